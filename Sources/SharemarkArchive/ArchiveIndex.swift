import Dispatch
import Foundation
import GRDB
internal import GRDBSQLite
import Synchronization

/// The SQLite index of an archive: pages (parsed once, re-read only when their size or mtime
/// changes), the PNG files under the pages folder, and a full-text index of titles.
///
/// Safe to share between threads: reads run concurrently (a GRDB `DatabasePool` in WAL mode),
/// an update is one write transaction, so a crash or a kill leaves the previous index intact.
public final class ArchiveIndex: Sendable {
    public let archive: String
    public let databasePath: String
    /// A `DatabasePool` (WAL) for an index in use; a `DatabaseQueue` without journal while a new
    /// index is built into a file of its own (`openUpdated`).
    let pool: any DatabaseWriter
    /// One read-only connection for lookups by key: a pool read checks a connection out and in
    /// through a dispatch queue and a lock, which cost more than SQLite's own work for a
    /// one-row SELECT. Lookups on it take turns, each for tens of microseconds.
    let lookupConnection: DatabaseQueue
    let state: Mutex<ArchiveConfig>
    /// Whether `sharemark.toml` is read; `sharemark init --force` replaces one that cannot be.
    let readsConfigFile: Bool

    /// The configuration in force: `sharemark.toml`, with owner/repository/branch inferred from
    /// the indexed footers where the file leaves them out or does not exist.
    public var config: ArchiveConfig { state.withLock { $0 } }

    public static func defaultPath(archive: String) -> String {
        (archive as NSString).appendingPathComponent(folderName + "/index.sqlite")
    }

    /// The archive's folder for Sharemark's own files (the index, the lock).
    public static let folderName = ".sharemark"

    /// The index folder cannot be made or opened beneath the archive root.
    public struct IndexFolderError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens (creating or migrating) the index of `archive`, at `indexPath` or the default
    /// `<archive>/.sharemark/index.sqlite`. Throws `ConfigFile.Error` for a malformed config;
    /// with `readingConfigFile` false, the archive is indexed as if it had no `sharemark.toml`.
    public convenience init(archive: String, indexPath: String? = nil, readingConfigFile: Bool = true) throws {
        try self.init(archive: archive, indexPath: indexPath, readingConfigFile: readingConfigFile, buildingAs: nil)
    }

    /// With `buildingAs`, the index is made in a new file of that name in the index's folder,
    /// without journal or WAL and without waiting for the disk (`synchronous = OFF`): nothing
    /// reads it until it is complete, flushed and renamed over the index's own name.
    init(archive: String, indexPath: String?, readingConfigFile: Bool, buildingAs newFile: String?) throws {
        self.archive = archive
        self.readsConfigFile = readingConfigFile
        let indexFile = indexPath ?? ArchiveIndex.defaultPath(archive: archive)
        let path = newFile.map { ((indexFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent($0) } ?? indexFile
        self.databasePath = path
        // The archive's own `.sharemark` folder is made or opened beneath the root without
        // following a link (an archive could hold one, to `.git` or out of the archive);
        // SQLite opens the files in it without following links (O_NOFOLLOW).
        let folder = try ArchiveIndex.openIndexFolder(archive: archive, indexPath: indexPath)
        defer { close(folder) }
        if indexPath == nil {
            // SQLite follows a link in the database's own name: each of its files must be a
            // regular file or none.
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let name = (newFile ?? "index.sqlite") + suffix
                var info = stat()
                if fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) != S_IFREG {
                    let failure = ConfinedPath.Failure.notAFile(ArchiveIndex.folderName + "/" + name, mode: info.st_mode)
                    throw IndexFolderError(description: "cannot use the index: \(failure); remove it")
                }
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(ArchiveIndex.busyTimeoutMilliseconds) / 1000)
        // No checkpoint inside a commit: an update copies the WAL into the database file
        // after its commit, in the background (`checkpointInBackground`).
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        if newFile != nil {
            var building = configuration
            building.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF") }
            pool = try DatabaseQueue(path: path, configuration: building)
        } else {
            pool = try DatabasePool(path: path, configuration: configuration)
        }
        try ArchiveIndex.migrator.migrate(pool)
        var readOnly = configuration
        readOnly.readonly = true
        // No memory map (mmap_size stays 0): a file truncated or overwritten in place under a
        // map faults the reading thread with SIGBUS, which would take down a service and every
        // archive it serves; through pread(2) the same file is an SQLite error for one archive.
        lookupConnection = try DatabaseQueue(path: path, configuration: readOnly)
        let inferred = try pool.read { db in
            try ArchiveIndex.storedInference(db) ?? ArchiveIndex.inferConfig(db)
        }
        state = Mutex(try ArchiveIndex.fileConfig(archive: archive, reading: readingConfigFile, over: inferred))
    }

    /// `sharemark.toml` over `fallback`, or `fallback` alone when the file is not read or there
    /// is none.
    static func fileConfig(archive: String, reading: Bool, over fallback: ArchiveConfig) throws -> ArchiveConfig {
        guard reading else { return fallback }
        return try ArchiveConfig.load(archive: archive, fallback: fallback) ?? fallback
    }
}
