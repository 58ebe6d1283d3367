import Foundation
import Testing
@testable import SharemarkArchive

@Test func atomicWriteReplacesTheFileAndLeavesNoTemporary() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/a.png"
    try AtomicFile.write(Array("old".utf8), to: path)
    try AtomicFile.write(Array("new content".utf8), to: path, sync: true)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new content")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.png"])
}

@Test func atomicWriteIntoAMissingFolderNamesThePath() {
    let path = "/nonexistent-\(UUID())/a.png"
    do {
        try AtomicFile.write([1, 2, 3], to: path)
        Issue.record("write should fail")
    } catch {
        #expect(error.description.contains(path))
    }
}

/// Both ways a file gets its name: linked when new, renamed over when one is there (the
/// unnamed file is linked under a temporary name first). Each leaves the content, the mode
/// asked for and no other directory entry.
@Test func atomicWriteOfNewAndExistingFilesSetsContentAndMode() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/b.png"
    try AtomicFile.write(Array(repeating: 7, count: 100_000), to: path, mode: 0o600)
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_size == 100_000)
    #expect(info.st_mode & 0o777 == 0o600)
    #expect(info.st_nlink == 1)
    let firstInode = info.st_ino

    try AtomicFile.write(Array("second".utf8), to: path, mode: 0o640)
    #expect(stat(path, &info) == 0)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
    #expect(info.st_mode & 0o777 == 0o640)
    #expect(info.st_nlink == 1)
    #expect(info.st_ino != firstInode)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["b.png"])
}

/// The periodic flush runs while a batch goes on, and stopping it waits for its thread; a
/// folder that cannot be opened flushes nothing and still stops.
@Test func periodicSyncFlushesUntilStopped() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let thirdFlush = DispatchSemaphore(value: 0)
    let sync = PeriodicSync(folder: dir, every: .milliseconds(10)) { if $0 == 3 { thirdFlush.signal() } }
    try AtomicFile.write(Array("png".utf8), to: dir + "/a.png")
    #expect(thirdFlush.wait(timeout: .now() + 10) == .success, "no third flush in 10 s")
    sync.stop()
    // stop() returned only once the thread had ended: no flush can come after this count.
    #expect(sync.threadEnded, "stop() returned while the flushing thread still ran")
    let flushed = sync.flushes
    #expect(flushed >= 3)
    sync.stop()  // a second stop returns at once
    #expect(sync.flushes == flushed)

    let missing = PeriodicSync(folder: dir + "/missing", every: .milliseconds(10))
    missing.stop()
    #expect(missing.threadEnded)
    #expect(missing.flushes == 0)
}

/// A folder opened once takes many files, new and replaced, whichever way the unnamed file is
/// linked: by its descriptor (`AT_EMPTY_PATH`) or through /proc/self/fd. Each file holds its
/// bytes, and no temporary entry is left.
@Test(.serialized, arguments: [true, false])
func folderWritesNewAndReplacedFiles(directLinks: Bool) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let saved = AtomicFile.directLinks.load(ordering: .relaxed)
    AtomicFile.directLinks.store(directLinks, ordering: .relaxed)
    defer { AtomicFile.directLinks.store(saved, ordering: .relaxed) }

    let folder = AtomicFile.Folder(dir)
    for i in 0..<50 { try folder.write(Array("first \(i)".utf8), name: "\(i).png") }
    for i in 0..<50 where i % 2 == 0 { try folder.write(Array("second \(i)".utf8), name: "\(i).png") }
    for i in 0..<50 {
        #expect(try String(contentsOfFile: "\(dir)/\(i).png", encoding: .utf8) == (i % 2 == 0 ? "second \(i)" : "first \(i)"))
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: dir)
    #expect(names.count == 50)
    #expect(!names.contains(where: AtomicFile.isTemporary))
}

/// A folder that cannot be opened fails each write, naming the file and why.
@Test func folderThatCannotBeOpenedFailsEachWriteByName() {
    let dir = "/nonexistent-\(UUID())"
    let folder = AtomicFile.Folder(dir)
    for name in ["a.png", "b.png"] {
        #expect {
            try folder.write([1], name: name)
        } throws: { error in
            "\(error)" == "cannot write \(dir)/\(name): No such file or directory"
        }
    }
}

@Test func temporaryNamesAreRecognised() {
    #expect(AtomicFile.isTemporary("a.md.png.sharemark-tmp-12-3"))
    #expect(AtomicFile.isTemporary(".sharemark-tmp-"))
    #expect(!AtomicFile.isTemporary("a.md.png"))
    #expect(!AtomicFile.isTemporary(""))
    #expect(!AtomicFile.isTemporary(".sharemark-tmp"))
}
