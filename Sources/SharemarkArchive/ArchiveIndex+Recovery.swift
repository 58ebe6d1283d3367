import Foundation
import GRDB

/// An index file SQLite cannot use is derived data, not a fault to stop on: it is moved aside
/// and the index is rebuilt from the pages.
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

    /// Opens the index of `archive` and brings it up to date, as `init` and `update` do. When
    /// SQLite finds the index file is not a database or is malformed, the file (and its `-wal`;
    /// its `-shm` is removed) is renamed to `<name>.unusable`, replacing an earlier one, and the
    /// index is built again from nothing, once; `movedAside` hears of it. Any other error is
    /// thrown as it is.
    public static func openUpdated(
        archive: String, indexPath: String? = nil, readingConfigFile: Bool = true,
        progress: (@Sendable (UpdateProgress) -> Void)? = nil,
        movedAside: (MovedAside) -> Void
    ) throws -> (ArchiveIndex, UpdateSummary) {
        // The failed attempt's connections are closed when it returns, before the file moves.
        func attempt() throws -> (ArchiveIndex, UpdateSummary) {
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
