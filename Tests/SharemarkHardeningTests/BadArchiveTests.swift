import Foundation
import GRDB
import SharemarkTestSupport
import Testing
@testable import SharemarkArchive

/// A whole archive with broken files among good ones, indexed through the library: every bad
/// file is named with its problem, every good page is indexed, nothing hangs.
@Suite struct BadArchiveTests {
    /// Good pages plus one of each kind of bad file. Returns the archive folder.
    static func makeArchive(goodPages: Int = 20) throws -> String {
        let root = try Hardening.temporaryFolder("bad-archive")
        for i in 0..<goodPages {
            let path = "pages/world/n\(20000000 + i).md"
            try Hardening.write(Hardening.page(path), to: "\(root)/\(path)")
        }
        // Truncated mid-footer, binary, invalid UTF-8.
        let truncated = Hardening.page("pages/bad/truncated.md")
        try Hardening.write(String(truncated[..<truncated.range(of: "原文地址")!.lowerBound].dropLast(3)),
                            to: "\(root)/pages/bad/truncated.md")
        try Hardening.write(Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }), to: "\(root)/pages/bad/binary.md")
        var invalid = Array(Hardening.page("pages/bad/invalid.md").utf8)
        invalid.insert(contentsOf: [0xFF, 0xFE, 0xC0], at: 12)
        try Hardening.write(Data(invalid), to: "\(root)/pages/bad/invalid.md")
        // Hostile footers.
        try Hardening.write(Hardening.page("pages/bad/escape.md", imageURL: Hardening.cdn + "pages/../../../etc/passwd"),
                            to: "\(root)/pages/bad/escape.md")
        try Hardening.write(Hardening.page("pages/bad/js.md", mirrorURL: "javascript://github.com/example-org/mirror/blob/master/pages/bad/js.md"),
                            to: "\(root)/pages/bad/js.md")
        // A symbolic link loop, a link out of the archive, a folder named like a page, a FIFO.
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: "\(root)/pages/loop", withDestinationPath: ".")
        try fm.createDirectory(atPath: "\(root)/pages/bad/deeper", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: "\(root)/pages/bad/deeper/up", withDestinationPath: "../..")
        try fm.createSymbolicLink(atPath: "\(root)/pages/bad/passwd.md", withDestinationPath: "/etc/passwd")
        try fm.createDirectory(atPath: "\(root)/pages/bad/folder.md", withIntermediateDirectories: true)
        #expect(mkfifo("\(root)/pages/bad/fifo.md", 0o644) == 0)
        return root
    }

    @Test func everyGoodPageIsIndexedAndEveryBadFileNamed() throws {
        let root = try Self.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let index = try ArchiveIndex(archive: root)
        let summary = try index.update()
        let problems = summary.problems.map(\.description)
        // 20 good pages and the five readable bad ones; links, the folder and the FIFO are not pages.
        #expect(summary.scanned == 25, "\(problems)")
        #expect(try index.allArticles().filter { $0.category == "world" && $0.problems.isEmpty }.count == 20)
        func named(_ file: String, _ text: String) -> Bool {
            summary.problems.contains { $0.file == "pages/bad/\(file)" && $0.message.contains(text) }
        }
        #expect(named("binary.md", "not valid UTF-8"), "\(problems)")
        #expect(named("invalid.md", "not valid UTF-8"), "\(problems)")
        #expect(named("truncated.md", "no original URL"), "\(problems)")
        #expect(named("escape.md", "outside the archive"), "\(problems)")
        #expect(named("js.md", "javascript:"), "\(problems)")
        // Nothing was read through a link.
        #expect(try index.allArticles().allSatisfy { !$0.pagePath.value.contains("loop") && !$0.pagePath.value.contains("passwd") })
        // The second run reads nothing again and finds the same.
        let again = try index.update()
        #expect(again.parsed == 0 && again.problems == summary.problems)
    }

    /// A page that cannot be read (as root, a permission bit does not stop reading: run as
    /// `nobody` there) is named with the reason; the others are indexed.
    /// A row whose path is not an archive path (a corrupt or tampered index) is an error when
    /// read, not a page called "invalid"; the problems of a page come back from their JSON
    /// column with kind, line and message.
    @Test func corruptIndexRowIsAnErrorAndProblemsRoundTrip() throws {
        let root = try Hardening.temporaryFolder("corrupt-row")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Hardening.write(Hardening.page("pages/world/a.md", title: "标题"), to: root + "/pages/world/a.md")
        try Hardening.write("no title\n", to: root + "/pages/world/b.md")
        let index = try ArchiveIndex(archive: root)
        let summary = try index.update()
        let problem = try #require(summary.problems.first { $0.file == "pages/world/b.md" && $0.kind == .titleMissing })
        #expect(problem.line == 1 && problem.message == "first line is not a '### title' heading")
        #expect(try index.allArticles().first { $0.id == "b" }?.problems.contains(problem) == true)

        // Tampered with by another program, once the index's own writes are done.
        index.waitForCheckpoint()
        let queue = try DatabaseQueue(path: index.databasePath)
        try queue.write { db in try db.execute(sql: "UPDATE pages SET path = '../outside.md' WHERE id = 'a'") }
        #expect(throws: (any Error).self) { try index.allArticles() }
        #expect(throws: (any Error).self) { try index.lookup("world/a") }
        // An image link form no version wrote: refused the same way, not read as none.
        #expect(throws: Never.self) { try index.lookup("world/b") }
        try queue.write { db in try db.execute(sql: "UPDATE pages SET image_form = 'ftp' WHERE id = 'b'") }
        #expect(throws: DatabaseError.self) { try index.lookup("world/b") }
    }

    @Test func unreadablePageIsNamed() throws {
        let sharemark = try Run.sharemark()
        let root = try Hardening.temporaryFolder("unreadable")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for i in 0..<3 {
            try Hardening.write(Hardening.page("pages/world/n\(i).md"), to: "\(root)/pages/world/n\(i).md")
        }
        try Hardening.write(Hardening.page("pages/world/secret.md"), to: "\(root)/pages/world/secret.md")
        chmod("\(root)/pages/world/secret.md", 0)
        var command = [sharemark, "index", root, "--json"]
        if getuid() == 0 {
            // The archive is made the other user's; only the page keeps mode 000.
            _ = try Run.bash("chown -R nobody '\(root)' && chmod 755 '\(root)' && chmod 711 '\(NSTemporaryDirectory())' || true")
            command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + command
        }
        let output = try Run.run(command)
        #expect(output.status == 0, "\(output.err)")
        #expect(output.out.contains("pages/world/secret.md") && output.out.contains("Permission denied"), "\(output.out)")
        #expect(output.out.contains("\"scanned\" : 4"), "\(output.out)")
    }
}

/// Broken configuration files: the message names the file, the line and the key.
@Suite struct BadConfigTests {
    /// Invalid UTF-8 is refused with its line, not read with replacement characters.
    @Test func configThatIsNotUTF8IsNamedWithItsLine() throws {
        let root = try Hardening.temporaryFolder("config-latin1")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // "Müller" in ISO-8859-1, in a comment on line 2 (a TOML document is UTF-8 throughout).
        let bytes = Array("owner = \"a\"\nrepository = \"b\" # M".utf8) + [0xFC] + Array("ller\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/sharemark.toml"))
        #expect(throws: ConfigFile.Error(file: "sharemark.toml", line: 2, key: nil,
                                         message: "not UTF-8 text (TOML files are UTF-8)")) {
            try ArchiveConfig.load(archive: root)
        }
        try Data(Array("owner = \"a\"\nrepository = \"b\" # Müller\n".utf8)).write(to: URL(fileURLWithPath: root + "/sharemark.toml"))
        #expect(try ArchiveConfig.load(archive: root)?.repository == "b")
    }

    @Test(arguments: [
        ("owner = \"a\"\nrepository = \"b\"\n[qr\nscale = 4\n", 3, "malformed table header"),
        ("owner = \"a\"\nrepository = \"b\"\nbranch = \"unterminated\n", 3, "unterminated string"),
        ("owner = \"a\"\nrepository = \"b\"\nowner = \"c\"\n", 3, "defined twice"),
        ("owner = \"a\"\nrepository = \"b\"\njust some words\n", 3, "expected '=' after the key"),
        ("owner = \"a\"\nrepository = \"b\"\n[[qr]]\n", 3, "unknown key"),
        ("owner = \"a\"\nrepository = \"b\"\nbranch = \"x\\q\"\n", 3, "invalid escape"),
        ("owner = \"a\"\nrepository = \"b\"\naliases = [\"x\", 3]\n", 3, "array of strings"),
        ("owner = \"a\"\nrepository = \"b\"\nbranch = 1979-05-27\n", 3, "expected a string, found a local date"),
        ("owner = \"a\"\nrepository = \"b\"\nrepo = \"c\"\n", 3, "unknown key"),
        ("owner = \"a\"\nrepository = \"b\"\n[qr]\nsize = 4\n", 4, "unknown key"),
        ("owner = \"a\"\nrepository = \"b\"\n[qr]\nscale = \"4\"\n", 4, "expected an integer"),
        ("owner = \"a\"\nrepository = \"b\"\n[qr]\nscale = 0\n", 4, "expected an integer in 1...40"),
        ("owner = \"a\"\nrepository = \"b\"\n[qr]\nscale = 99999999999999999999\n", 4, "integer out of range"),
        ("owner = \"a\"\nrepository = \"b\"\n[qr]\nlevel = \"X\"\n", 4, "expected one of"),
        ("owner = \"a\"\nrepository = \"b\"\n[qr]\nlevel = true\n", 4, "expected a string"),
        ("owner = 42\nrepository = \"b\"\n", 1, "expected a string"),
        ("owner = \"a/b\"\nrepository = \"b\"\n", 1, "without '/'"),
        ("owner = \"a\"\nrepository = \"b\"\npages = \"../elsewhere\"\n", 3, ""),
        ("owner = \"a\"\nrepository = \"b\"\nmirror_url = \"https://example.com/{nothing}\"\n", 3, ""),
    ])
    func malformedConfigIsNamed(_ text: String, _ line: Int, _ fragment: String) {
        do {
            _ = try ArchiveConfig(parsing: text, file: "sharemark.toml")
            Issue.record("accepted:\n\(text)")
        } catch {
            #expect(error.file == "sharemark.toml" && error.line == line, "\(error)")
            #expect(error.description.hasPrefix("sharemark.toml:\(line): "), "\(error)")
            #expect(fragment.isEmpty || error.message.contains(fragment), "\(error)")
        }
    }

    /// A configuration saved with CRLF line ends (an editor on Windows) reads as the same.
    @Test func crlfConfigReadsTheSame() throws {
        let lf = "owner = \"example-org\"\nrepository = \"mirror\"\nbranch = \"main\"\n\n[qr]\nscale = 8\nlevel = \"M\"\n"
        let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
        let a = try ArchiveConfig(parsing: lf), b = try ArchiveConfig(parsing: crlf)
        #expect(a == b)
        #expect(b.branch == "main" && b.qr.scale == 8)
        // With a BOM too.
        #expect(try ArchiveConfig(parsing: "\u{FEFF}" + crlf) == a)
    }

    /// The limit only stops a reading that does not end, or a quadratic one, from hanging the run.
    @Test(.timeLimit(.minutes(2))) func binaryAndHugeConfigAreRefused() throws {
        let binary = String(decoding: (0..<2000).map { UInt8(truncatingIfNeeded: $0 * 131) }, as: UTF8.self)
        #expect(throws: ConfigFile.Error.self) { try ArchiveConfig(parsing: binary) }
        let huge = "owner = \"a\"\nrepository = \"b\"\naliases = [" + String(repeating: "\"x\", ", count: 200_000)
        #expect(throws: ConfigFile.Error.self) { try ArchiveConfig(parsing: huge) }
    }
}
