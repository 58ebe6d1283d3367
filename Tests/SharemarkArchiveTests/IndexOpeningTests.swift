import Foundation
import GRDB
import Testing
@testable import SharemarkArchive

/// A new index is built in a file of its own and renamed into place; an index file SQLite
/// cannot use is moved aside and rebuilt from the pages, once, by whoever opens it; other
/// failures are not.
@Suite struct IndexOpeningTests {
    func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    /// Built whole, then renamed: what is left is the index in WAL mode, its WAL empty once the
    /// checkpoint is done, and no new file; a dead process's new file and a leftover WAL of the
    /// missing index are gone, a live process's new file is not touched.
    @Test func aNewIndexIsBuiltApartAndRenamedIntoPlace() throws {
        let root = try Fixture.copyOfArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/.sharemark"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // pid 1 runs; a pid above the kernel's pid_max never does.
        try Data("live".utf8).write(to: URL(fileURLWithPath: folder + "/index.sqlite.new-1"))
        try Data("dead".utf8).write(to: URL(fileURLWithPath: folder + "/index.sqlite.new-99999999"))
        try Data(repeating: 0x77, count: 8192).write(to: URL(fileURLWithPath: folder + "/index.sqlite-wal"))

        let (index, summary) = try ArchiveIndex.openUpdated(archive: root) { Issue.record("moved aside: \($0)") }
        #expect(summary.parsed == 4 && summary.scanned == 4)
        #expect(index.databasePath == folder + "/index.sqlite")
        index.waitForCheckpoint()
        #expect(try index.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try index.pool.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        #expect(try index.articles(id: "n10000001").count == 1)
        var info = stat()
        #expect(stat(folder + "/index.sqlite-wal", &info) == 0 && info.st_size == 0, "the leftover WAL was not replayed or kept")
        #expect(try files(in: folder) == ["index.sqlite", "index.sqlite-shm", "index.sqlite-wal", "index.sqlite.new-1"])
        // Opened again: the index is there, nothing is built.
        let (_, again) = try ArchiveIndex.openUpdated(archive: root) { Issue.record("moved aside: \($0)") }
        #expect(again.parsed == 0 && again.unchanged == 4)
    }

    /// A build that fails leaves no index and no new file: the next command starts again.
    @Test func aFailedBuildLeavesNothing() throws {
        let root = try Fixture.copyOfArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("owner = [\n".utf8).write(to: URL(fileURLWithPath: root + "/sharemark.toml"))
        #expect(throws: ConfigFile.Error.self) {
            try ArchiveIndex.openUpdated(archive: root) { Issue.record("moved aside: \($0)") }
        }
        #expect(try files(in: root + "/.sharemark") == [])
    }

    /// The issue's case: 4 KiB of random bytes written over the index.
    @Test func randomBytesOverTheIndexAreMovedAsideAndTheIndexRebuilt() throws {
        let root = try Fixture.copyOfArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (first, _) = try ArchiveIndex.openUpdated(archive: root) { Issue.record("moved a good index aside: \($0)") }
        let pages = try first.counts().pages
        #expect(pages == 4)
        // The WAL copied in and emptied first, as every command leaves it: otherwise SQLite
        // reads page 1 from the WAL and finds the rest malformed (error 11), not "not a database".
        first.waitForCheckpoint()
        let path = first.databasePath
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255) }
        try Data(garbage).write(to: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) { try ArchiveIndex(archive: root).update() }

        var moves: [ArchiveIndex.MovedAside] = []
        let (index, summary) = try ArchiveIndex.openUpdated(archive: root) { moves.append($0) }
        let moved = try #require(moves.first)
        #expect(moves.count == 1)
        #expect(moved.path == ".sharemark/index.sqlite" && moved.movedTo == ".sharemark/index.sqlite.unusable")
        #expect(moved.reason.contains("SQLite error 26") && moved.reason.contains("not a database"), "\(moved.reason)")
        #expect(moved.description.hasPrefix(".sharemark/index.sqlite cannot be used (SQLite error 26"))
        // The bad bytes are kept for a look, the index holds every page again.
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path + ".unusable"))) == garbage)
        #expect(try summary.parsed == pages && index.counts().pages == pages)
        #expect(try index.articles(id: "n10000001").count == 1)
        // Nothing more to move the next time.
        _ = try ArchiveIndex.openUpdated(archive: root) { Issue.record("moved a rebuilt index aside: \($0)") }
    }

    /// A malformed file at a path the caller names, with a WAL and shared memory beside it: it
    /// goes aside, replacing an earlier unusable file, and the index is whole again.
    @Test func aMalformedIndexAtItsOwnPathGoesAside() throws {
        let root = try Fixture.copyOfArchive()
        let folder = NSTemporaryDirectory() + "sharemark-idx-\(UUID().uuidString)"
        defer { for p in [root, folder] { try? FileManager.default.removeItem(atPath: p) } }
        let path = folder + "/i.sqlite"
        do {
            // Every page in the database file itself, none left in the WAL; closed before the
            // files are touched (a shared-memory file truncated under a map is a SIGBUS).
            let (built, _) = try ArchiveIndex.openUpdated(archive: root, indexPath: path) { Issue.record("\($0)") }
            try built.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        // Keep the header, break every page after the first: malformed, not "not a database".
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count > 8192)
        for i in 4096..<bytes.count { bytes[i] = 0xA5 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try Data("old".utf8).write(to: URL(fileURLWithPath: path + ".unusable"))
        for suffix in ["-wal", "-shm"] { try Data().write(to: URL(fileURLWithPath: path + suffix)) }

        var moves: [ArchiveIndex.MovedAside] = []
        let (index, _) = try ArchiveIndex.openUpdated(archive: root, indexPath: path) { moves.append($0) }
        let moved = try #require(moves.first)
        #expect(moved.path == path && moved.movedTo == path + ".unusable")
        #expect(moved.reason.contains("SQLite error 11"), "\(moved.reason)")
        // What SQLite left of it (its failed attempt may have written back), replacing the earlier one.
        let aside = Array(try Data(contentsOf: URL(fileURLWithPath: path + ".unusable")))
        #expect(aside.count >= bytes.count && aside[bytes.count - 4096..<bytes.count].allSatisfy { $0 == 0xA5 })
        #expect(try index.counts().pages == 4)
    }

    /// Errors that do not say the file is broken leave it where it is.
    @Test func otherErrorsMoveNothing() throws {
        let root = try Fixture.copyOfArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A folder where the index file belongs: SQLite cannot open it, and it is not moved.
        let path = root + "/elsewhere/index.sqlite"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(throws: (any Error).self) {
            try ArchiveIndex.openUpdated(archive: root, indexPath: path) { Issue.record("moved: \($0)") }
        }
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
        #expect(!FileManager.default.fileExists(atPath: path + ".unusable"))
    }
}
