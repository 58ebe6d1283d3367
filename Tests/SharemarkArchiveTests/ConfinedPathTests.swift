import Foundation
import SharemarkArchive
import Testing

/// Writes, removals and reads beneath an archive root never pass through a symbolic link, and
/// reads stop at their cap.
@Suite struct ConfinedPathTests {
    /// An archive with `pages/world/` real, `pages/linked -> ../.git` and `pages/out -> <outside>`,
    /// and `pages/world/n1.md.png -> ../../README.md`.
    struct Layout {
        let root: String, archive: String, outside: String
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("confined-\(UUID())").path
            archive = root + "/archive"
            outside = root + "/outside"
            let fm = FileManager.default
            for folder in [archive + "/pages/world", archive + "/.git", outside] {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try Data("ref: refs/heads/master\n".utf8).write(to: URL(fileURLWithPath: archive + "/.git/HEAD"))
            try Data("readme\n".utf8).write(to: URL(fileURLWithPath: archive + "/README.md"))
            try Data("victim\n".utf8).write(to: URL(fileURLWithPath: outside + "/victim.txt"))
            try fm.createSymbolicLink(atPath: archive + "/pages/linked", withDestinationPath: "../.git")
            try fm.createSymbolicLink(atPath: archive + "/pages/out", withDestinationPath: outside)
            try fm.createSymbolicLink(atPath: archive + "/pages/world/n1.md.png", withDestinationPath: "../../README.md")
        }
        func remove() { try? FileManager.default.removeItem(atPath: root) }
        func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
    }

    @Test func writesThroughALinkedFolderFailNamingTheLink() throws {
        let layout = try Layout()
        defer { layout.remove() }
        for (folder, name, target) in [("pages/linked", "HEAD", layout.archive + "/.git/HEAD"),
                                       ("pages/out", "victim.txt", layout.outside + "/victim.txt")] {
            let handle = AtomicFile.Folder(archive: layout.archive, relative: folder)
            let before = try layout.text(target)
            do {
                try handle.write(Array("PNG".utf8), name: name)
                Issue.record("\(folder)/\(name) was written through the link")
            } catch {
                #expect(error.description.contains("\(folder) is a symbolic link"), "\(error)")
            }
            #expect(try layout.text(target) == before)
            #expect(handle.remove(name: name) != nil)
            #expect(try layout.text(target) == before)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: layout.outside) == ["victim.txt"])
    }

    @Test func aLinkWhereAFileBelongsIsNeitherFollowedNorReplaced() throws {
        let layout = try Layout()
        defer { layout.remove() }
        let world = AtomicFile.Folder(archive: layout.archive, relative: "pages/world")
        do {
            try world.write(Array("PNG".utf8), name: "n1.md.png")
            Issue.record("the link was replaced")
        } catch {
            #expect(error.description.contains("n1.md.png is a symbolic link"), "\(error)")
        }
        #expect(world.remove(name: "n1.md.png")?.contains("symbolic link") == true)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: layout.archive + "/pages/world/n1.md.png") == "../../README.md")
        #expect(try layout.text(layout.archive + "/README.md") == "readme\n")
        // A regular file beside it is written and removed as usual.
        try world.write(Array("PNG".utf8), name: "n2.md.png")
        #expect(try layout.text(layout.archive + "/pages/world/n2.md.png") == "PNG")
        #expect(world.remove(name: "n2.md.png") == nil)
        #expect(!FileManager.default.fileExists(atPath: layout.archive + "/pages/world/n2.md.png"))
    }

    @Test func readsFollowNoLinkAndStopAtTheirCap() throws {
        let layout = try Layout()
        defer { layout.remove() }
        guard case .failure(.symbolicLink(let link)) = ConfinedPath.read(archive: layout.archive, relative: "pages/world/n1.md.png", limit: 100) else {
            Issue.record("a linked file was read"); return
        }
        #expect(link == "pages/world/n1.md.png")
        guard case .failure(.symbolicLink("pages/out")) = ConfinedPath.read(archive: layout.archive, relative: "pages/out/victim.txt", limit: 100) else {
            Issue.record("a file was read through a linked folder"); return
        }
        guard case .failure(.leavesArchive) = ConfinedPath.read(archive: layout.archive, relative: "pages/../README.md", limit: 100) else {
            Issue.record("a '..' path was read"); return
        }
        #expect(try ConfinedPath.read(archive: layout.archive, relative: "README.md", limit: 7).get() == Array("readme\n".utf8))
        guard case .failure(.tooLarge(_, let size, let limit)) = ConfinedPath.read(archive: layout.archive, relative: "README.md", limit: 6) else {
            Issue.record("a file over the cap was read"); return
        }
        #expect(size == 7 && limit == 6)
        #expect(ConfinedPath.read(archive: layout.archive, relative: "pages/world/none.png", limit: 6).failure?.isMissing == true)
    }

    @Test func theIndexFolderIsNeverALink() throws {
        let layout = try Layout()
        defer { layout.remove() }
        try FileManager.default.createSymbolicLink(atPath: layout.archive + "/.sharemark", withDestinationPath: layout.outside)
        #expect(throws: ArchiveIndex.IndexFolderError.self) { try ArchiveIndex(archive: layout.archive) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: layout.outside) == ["victim.txt"])
        // Nor is the index file in a real folder: SQLite would follow the link.
        try FileManager.default.removeItem(atPath: layout.archive + "/.sharemark")
        try FileManager.default.createDirectory(atPath: layout.archive + "/.sharemark", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: layout.archive + "/.sharemark/index.sqlite-wal",
                                                   withDestinationPath: layout.outside + "/victim.txt")
        #expect(throws: ArchiveIndex.IndexFolderError.self) { try ArchiveIndex(archive: layout.archive) }
        #expect(try layout.text(layout.outside + "/victim.txt") == "victim\n")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
