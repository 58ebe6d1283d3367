import GRDB

extension ArchiveIndex {
    /// The version of the SQLite library the index runs on (`SELECT sqlite_version()`), e.g.
    /// "3.40.1"; "unknown" if an in-memory database cannot be opened.
    public static var sqliteVersion: String {
        (try? DatabaseQueue().read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") } ?? nil)
            ?? "unknown"
    }
}
