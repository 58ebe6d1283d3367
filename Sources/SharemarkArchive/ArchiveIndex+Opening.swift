import Foundation
import GRDB

/// Opening an index the way commands do: a missing index is built whole in a file of its own
/// and renamed into place, and an index file SQLite cannot use is derived data, not a fault to
/// stop on: it is moved aside and the index is rebuilt from the pages.
extension ArchiveIndex {
    /// An unusable index file that was moved aside.
    public struct MovedAside: Sendable, CustomStringConvertible {
        /// The index file, as the command names it.
        public let path: String
        /// Where it is now.
        public let movedTo: String
        /// What SQLite said about it.
        public let reason: String

        public var description: String {
            "\(path) cannot be used (\(reason)); moved it to \(movedTo) and rebuilt the index from the pages"
        }
    }

    /// The suffix of an index file moved aside; its `-wal` goes with it, renamed alike.
    public static let unusableSuffix = ".unusable"

    /// Whether `error` says the index file itself is broken (not a database, malformed), as
    /// opposed to busy, read-only or missing: only then is it moved aside.
    static func isUnusableFile(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
    }

    /// Opens the index of `archive` and brings it up to date, as `init` and `update` do; an
    /// index that does not exist yet is built by `buildNew`. When SQLite finds the index file is
    /// not a database or is malformed, the file (and its `-wal`; its `-shm` is removed) is
    /// renamed to `<name>.unusable`, replacing an earlier one, and the index is built again
    /// from nothing, once; `movedAside` hears of it. Any other error is thrown as it is.
    public static func openUpdated(
        archive: String, indexPath: String? = nil, readingConfigFile: Bool = true,
        progress: (@Sendable (UpdateProgress) -> Void)? = nil,
        movedAside: (MovedAside) -> Void
    ) throws -> (ArchiveIndex, UpdateSummary) {
        // The failed attempt's connections are closed when it returns, before the file moves.
        func attempt() throws -> (ArchiveIndex, UpdateSummary) {
            let file = indexPath ?? defaultPath(archive: archive)
            var info = stat()
            if lstat(file, &info) != 0 && errno == ENOENT {
                let summary = try buildNew(archive: archive, indexPath: indexPath, readingConfigFile: readingConfigFile,
                                           progress: progress)
                let index = try ArchiveIndex(archive: archive, indexPath: indexPath, readingConfigFile: readingConfigFile)
                // Opening a pool writes a few pages into a new WAL: copied back like an update's.
                index.checkpointInBackground()
                return (index, summary)
            }
            let index = try ArchiveIndex(archive: archive, indexPath: indexPath, readingConfigFile: readingConfigFile)
            return (index, try index.update(progress: progress))
        }
        do {
            return try attempt()
        } catch where isUnusableFile(error) {
            let reason = "\(error)"
            let moved = try moveAside(archive: archive, indexPath: indexPath)
            movedAside(MovedAside(path: moved.from, movedTo: moved.to, reason: reason))
            return try attempt()
        }
    }

    /// Builds the index from nothing into `<name>.new-<pid>` beside the index file, without
    /// journal, WAL or a wait for the disk per commit (nothing reads it meanwhile), then flushes
    /// it and renames it over the index's name: a crash leaves no index or the whole new one,
    /// never a half-written one, and costs one write of each page of the file instead of two
    /// (WAL, then checkpoint). A leftover WAL or shared-memory file of the missing index is
    /// removed first (it belongs to no database now), and so are new files that processes which
    /// no longer run left behind.
    static func buildNew(archive: String, indexPath: String?, readingConfigFile: Bool,
                         progress: (@Sendable (UpdateProgress) -> Void)?) throws -> UpdateSummary {
        let file = indexPath ?? defaultPath(archive: archive)
        let name = (file as NSString).lastPathComponent
        let newName = name + ".new-\(getpid())"
        // Opened first, beneath the archive root without following links for the default index.
        let folder = try openIndexFolder(archive: archive, indexPath: indexPath)
        defer { close(folder) }
        removeAbandoned(in: folder, prefix: name + ".new-")
        do {
            let summary = try {
                let building = try ArchiveIndex(archive: archive, indexPath: indexPath, readingConfigFile: readingConfigFile,
                                                buildingAs: newName)
                let summary = try building.update(progress: progress)
                // Marked for WAL now, in the file itself: the first pool to open it has no
                // header to change, and so no log to leave behind.
                try building.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
                return summary
            }()  // its connections are closed here
            let fd = openat(folder, newName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0, fsync(fd) == 0 else {
                let why = String(cString: strerror(errno))
                if fd >= 0 { close(fd) }
                throw IndexFolderError(description: "\(file): cannot flush the new index: \(why)")
            }
            close(fd)
            for suffix in ["-wal", "-shm"] { unlinkat(folder, name + suffix, 0) }
            guard renameat(folder, newName, folder, name) == 0 else {
                throw IndexFolderError(description: "\(file): cannot put the new index in place: \(String(cString: strerror(errno)))")
            }
            fsync(folder)
            return summary
        } catch {
            unlinkat(folder, newName, 0)
            throw error
        }
    }

    /// The index's folder, made if needed: `.sharemark` beneath the archive root without
    /// following links, or the folder of the index file a command names.
    static func openIndexFolder(archive: String, indexPath: String?) throws -> Int32 {
        guard let indexPath else {
            switch ConfinedPath.openFolder(archive: archive, relative: folderName, creating: true) {
            case .success(let fd): return fd
            case .failure(let why): throw IndexFolderError(description: "cannot use the index folder: \(why)")
            }
        }
        let folder = (indexPath as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw IndexFolderError(description: "\(folder): cannot open: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Removes `<prefix><pid>` files (and their journals) of processes that no longer run.
    private static func removeAbandoned(in folder: Int32, prefix: String) {
        let listing = dup(folder)
        guard listing >= 0, let dir = fdopendir(listing) else { if listing >= 0 { close(listing) }; return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard entryName.hasPrefix(prefix) else { continue }
            let digits = entryName.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlinkat(folder, entryName, 0)
        }
    }

    /// Renames the index file and its WAL aside and removes its shared-memory file. The default
    /// index is moved inside `.sharemark`, opened beneath the archive root without following
    /// links, like every other write there; a file another process moved first is not an error.
    static func moveAside(archive: String, indexPath: String?) throws -> (from: String, to: String) {
        let suffixes = [("", unusableSuffix), ("-wal", unusableSuffix + "-wal"), ("-shm", nil)]
        if let indexPath {
            for (suffix, aside) in suffixes {
                let result = aside.map { rename(indexPath + suffix, indexPath + $0) } ?? unlink(indexPath + suffix)
                if result != 0 && errno != ENOENT {
                    throw IndexFolderError(description: "\(indexPath + suffix): cannot move it aside: \(String(cString: strerror(errno)))")
                }
            }
            return (indexPath, indexPath + unusableSuffix)
        }
        let name = "index.sqlite"
        let shown = folderName + "/" + name
        switch ConfinedPath.openFolder(archive: archive, relative: folderName) {
        case .success(let fd):
            defer { close(fd) }
            for (suffix, aside) in suffixes {
                let result = aside.map { renameat(fd, name + suffix, fd, name + $0) } ?? unlinkat(fd, name + suffix, 0)
                if result != 0 && errno != ENOENT {
                    throw IndexFolderError(description: "\(shown + suffix): cannot move it aside: \(String(cString: strerror(errno)))")
                }
            }
        case .failure(let why):
            throw IndexFolderError(description: "cannot use the index folder: \(why)")
        }
        return (shown, shown + unusableSuffix)
    }
}
