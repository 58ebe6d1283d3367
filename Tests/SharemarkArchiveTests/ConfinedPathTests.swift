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

    /// A reader that keeps the last folder open reads what `ConfinedPath.read` reads, folder
    /// after folder; a folder swapped for a link after it was opened is not followed either: the
    /// reader still holds the folder it opened, never the link's target.
    @Test func folderReaderKeepsItsFolderAndFollowsNoLink() throws {
        let layout = try Layout()
        defer { layout.remove() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: layout.archive + "/pages/asia", withIntermediateDirectories: true)
        try Data("w1".utf8).write(to: URL(fileURLWithPath: layout.archive + "/pages/world/n1.md"))
        try Data("w2".utf8).write(to: URL(fileURLWithPath: layout.archive + "/pages/world/n2.md"))
        try Data("a1".utf8).write(to: URL(fileURLWithPath: layout.archive + "/pages/asia/n1.md"))
        let reader = ConfinedPath.FolderReader(archive: layout.archive)
        for (path, text) in [("pages/world/n1.md", "w1"), ("pages/world/n2.md", "w2"), ("pages/asia/n1.md", "a1"),
                             ("pages/world/n1.md", "w1"), ("README.md", "readme\n")] {
            #expect(try reader.read(relative: path, limit: 100).get() == Array(text.utf8), "\(path)")
        }
        #expect(reader.read(relative: "pages/world/n1.md.png", limit: 100).failure == .symbolicLink("pages/world/n1.md.png"))
        #expect(reader.read(relative: "pages/out/victim.txt", limit: 100).failure == .symbolicLink("pages/out"))
        #expect(reader.read(relative: "pages/../README.md", limit: 100).failure == .leavesArchive("pages/.."))
        // pages/world is open in the reader; it is moved away and a link to the outside folder,
        // which holds a file of the name asked for next, put in its place.
        #expect(try reader.read(relative: "pages/world/n2.md", limit: 100).get() == Array("w2".utf8))
        try fm.moveItem(atPath: layout.archive + "/pages/world", toPath: layout.root + "/moved")
        try fm.createSymbolicLink(atPath: layout.archive + "/pages/world", withDestinationPath: layout.outside)
        try Data("outside".utf8).write(to: URL(fileURLWithPath: layout.outside + "/n9.md"))
        #expect(reader.read(relative: "pages/world/n9.md", limit: 100).failure?.isMissing == true)
        #expect(try reader.read(relative: "pages/world/n2.md", limit: 100).get() == Array("w2".utf8), "the folder it opened")
        // Another folder in between: the next read of pages/world opens it again, and meets the link.
        #expect(try reader.read(relative: "pages/asia/n1.md", limit: 100).get() == Array("a1".utf8))
        #expect(reader.read(relative: "pages/world/n9.md", limit: 100).failure == .symbolicLink("pages/world"))
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
