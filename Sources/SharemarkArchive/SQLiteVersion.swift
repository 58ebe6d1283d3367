internal import GRDBSQLite

extension ArchiveIndex {
    /// The version of the SQLite library the index runs on, e.g. "3.40.1": the library's own
    /// string, read without opening a database (`sharemark --version` touches no file).
    public static var sqliteVersion: String {
        String(cString: sqlite3_libversion())
    }
}
