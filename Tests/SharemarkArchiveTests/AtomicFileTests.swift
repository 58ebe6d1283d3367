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
