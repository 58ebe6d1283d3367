import Foundation
import SharemarkTestSupport
import Testing

/// The built `sharemark` binary on archives with bad files: what it prints, and its exit code.
/// The binary is the one of the same build (`Run.sharemark()`); when it is missing, every test
/// here fails saying so (`swift build` builds it).
@Suite
struct EndToEndBadInputTests {
    let sharemark: String

    init() throws { sharemark = try Run.sharemark() }

    /// The maximum resident set size in kB that `/usr/bin/time -f maxrss-kb=%M` printed last.
    static func maxRSS(_ output: Run.Output) -> Int? {
        output.err.split(separator: "\n").last { $0.hasPrefix("maxrss-kb=") }.flatMap { Int($0.dropFirst(10)) }
    }

    @Test func indexNamesEveryBadFileAndGoesOn() throws {
        let root = try BadArchiveTests.makeArchive(goodPages: 30)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A 50 MB page among them.
        let big = "pages/big/n1.md"
        var text = Hardening.page(big)
        let filler = String(repeating: "<p>正文正文正文 body text body text body text body text.</p>\n", count: 50 << 20 / 80)
        text.insert(contentsOf: filler, at: text.range(of: "正文。")!.lowerBound)
        try Hardening.write(text, to: "\(root)/\(big)")

        let output = try Run.run(["/usr/bin/time", "-f", "maxrss-kb=%M", sharemark, "index", root])
        #expect(output.status == 0, "\(output.err)")
        let out = output.out
        #expect(out.hasPrefix("36 pages"), "\(out)")
        for (file, text) in [("binary.md", "not valid UTF-8"), ("truncated.md", "no original URL"),
                             ("escape.md", "outside the archive"), ("js.md", "javascript:")] {
            #expect(out.split(separator: "\n").contains { $0.contains("pages/bad/\(file)") && $0.contains(text) },
                    "\(file): \(out)")
        }
        // The 50 MB page is over the 16 MiB cap: named, and not read.
        #expect(out.split(separator: "\n").contains { $0.contains("pages/big/n1.md") && $0.contains("more than the limit of 16777216") },
                "the 50 MB page: \(out)")
        // Memory: the 50 MB page is not read at all.
        let rss = try #require(Self.maxRSS(output), "no maximum RSS from /usr/bin/time: \(output.err.suffix(500))")
        #expect(rss < 600_000, "max RSS \(rss) kB")
        // verify goes through the same archive: the image URL leaving the archive is an error
        // (exit 1) naming the file and line; the pages that cannot be checked do not stop it.
        let verify = try Run.run(["timeout", "120", sharemark, "verify", root])
        #expect(verify.status == 1, "\(verify.status): \(verify.out.suffix(2000))\(verify.err)")
        #expect(verify.out.contains("pages/bad/escape.md:") && verify.out.contains("asset-outside-archive"), "\(verify.out)")
        // The problems the index found are findings too, each once, with its own kind.
        let findings = verify.out.split(separator: "\n")
        for (file, kind, severity) in [("binary.md", "invalid-utf8", "warning"), ("truncated.md", "original-url-missing", "warning"),
                                       ("js.md", "footer-url-not-http", "error")] {
            #expect(findings.filter { $0.contains("pages/bad/\(file):") && $0.contains("(\(kind))") && $0.contains(": \(severity): ") }.count == 1,
                    "\(file) \(kind): \(verify.out)")
        }
        // The link leaving the archive, and the page's own PNG, which was never made.
        let escapeKinds = findings.filter { $0.contains("pages/bad/escape.md:") }.compactMap { line in
            ["asset-outside-archive", "asset-missing"].first { line.contains("(\($0);") }
        }
        #expect(escapeKinds.sorted() == ["asset-missing", "asset-outside-archive"], "\(verify.out)")
        #expect(verify.out.contains("checked 36 pages"), "\(verify.out)")
        let lookup = try Run.run([sharemark, "lookup", "n1", root])
        #expect(lookup.status == 0 && lookup.out.contains("pages/big/n1.md"), "\(lookup.out)\(lookup.err)")
    }

    /// A broken sharemark.toml stops the run with exit code 78 (EX_CONFIG) and a message
    /// naming the file, the line and the key; a missing archive is 66 (EX_NOINPUT).
    @Test func brokenConfigStopsWithItsLocation() throws {
        let root = try Hardening.temporaryFolder("bad-config")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Hardening.write(Hardening.page("pages/world/n1.md"), to: "\(root)/pages/world/n1.md")
        for (config, expected) in [
            ("owner = \"example-org\"\nrepository = \"mirror\"\n[qr]\nscale = \"big\"\n", "sharemark.toml:4: key 'qr.scale': expected an integer"),
            ("owner = \"example-org\"\nrepository = \"mirror\"\ncolour = \"red\"\n", "sharemark.toml:3: key 'colour': unknown key"),
            ("owner = \"example-org\"\nrepository = [\n", "sharemark.toml:2: key 'repository'"),
            ("\u{FF}\u{FE}o\0w\0n\0e\0r\0", "sharemark.toml:1:"),
        ] {
            try Hardening.write(config, to: "\(root)/sharemark.toml")
            let output = try Run.run([sharemark, "index", root])
            #expect(output.status == 78, "\(config): \(output.status) \(output.err)")
            #expect(output.err.contains(expected), "\(output.err)")
        }
        let missing = try Run.run([sharemark, "index", root + "/nothing-here"])
        #expect(missing.status == 66 && missing.err.contains("nothing-here"), "\(missing.err)")
    }

    /// `init --force` replaces a sharemark.toml that cannot be read (the pages read as if there
    /// were none, the error named), where every other command stops with 78; without --force
    /// the file is kept (73). A file that can be read is read, and what footers cannot show
    /// (the pages folder, the QR options) is kept from it.
    @Test func initForceReplacesABrokenConfig() throws {
        let root = try Hardening.temporaryFolder("init-broken-config")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Hardening.write(Hardening.page("pages/world/n1.md"), to: "\(root)/pages/world/n1.md")
        let broken = "owner = \"example-org\nrepository = \"mirror\"\n"
        try Hardening.write(broken, to: "\(root)/sharemark.toml")
        let kept = try Run.run([sharemark, "init", root])
        #expect(kept.status == 73 && kept.err.contains("use --force"), "\(kept.status) \(kept.err)")
        #expect(try String(contentsOfFile: "\(root)/sharemark.toml", encoding: .utf8) == broken)
        let replaced = try Run.run([sharemark, "init", "--force", root])
        #expect(replaced.status == 0, "\(replaced.status) \(replaced.err)")
        #expect(replaced.err.contains("cannot be read") && replaced.err.contains("sharemark.toml:1: key 'owner'"), "\(replaced.err)")
        #expect(replaced.out.contains("example-org/mirror (master)"), "\(replaced.out)")
        let written = try String(contentsOfFile: "\(root)/sharemark.toml", encoding: .utf8)
        #expect(written.contains("owner = \"example-org\"") && written.contains("repository = \"mirror\""), "\(written)")
        let index = try Run.run([sharemark, "index", root])
        #expect(index.status == 0, "\(index.status) \(index.err)")

        // A file that can be read is read, even one that names no repository: its pages folder
        // is where the footers are.
        let other = try Hardening.temporaryFolder("init-pages-folder")
        defer { try? FileManager.default.removeItem(atPath: other) }
        try Hardening.write(Hardening.page("articles/world/n1.md"), to: "\(other)/articles/world/n1.md")
        try Hardening.write("pages = \"articles\"\n[qr]\nscale = 6\n", to: "\(other)/sharemark.toml")
        let read = try Run.run([sharemark, "init", "--force", other])
        #expect(read.status == 0 && !read.err.contains("cannot be read"), "\(read.status) \(read.err)")
        #expect(read.out.contains("example-org/mirror (master)"), "\(read.out)")
        // What footers cannot show is kept: the pages stay where they are, the QR options too.
        let rewritten = try String(contentsOfFile: "\(other)/sharemark.toml", encoding: .utf8)
        #expect(rewritten.contains("pages = \"articles\"") && rewritten.contains("scale = 6"), "\(rewritten)")
        let after = try Run.run([sharemark, "index", other])
        #expect(after.status == 0 && after.out.hasPrefix("1 pages"), "\(after.out)\(after.err)")
    }

    /// An archive with real QR codes whose first few footer pages get bad PNGs.
    func archiveWithQRCodes(_ name: String) throws -> (root: String, pages: [String]) {
        let root = try Hardening.temporaryFolder(name)
        let script = Hardening.repository.appendingPathComponent("Scripts/make-archive.py").path
        let made = try Run.run(["python3", script, root, "--pages", "12", "--seed", "3", "--png", "qrencode", "--force"])
        #expect(made.status == 0, "\(made.err)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/manifest.json"))) as? [String: Any]
        let entries = try #require(manifest?["entries"] as? [[String: Any]], "manifest.json has no entries")
        let pages = entries.filter { ($0["quirks"] as? [String])?.isEmpty == true }.compactMap { $0["path"] as? String }
        try #require(pages.count >= 3, "too few plain pages in the made archive: \(pages)")
        return (root, pages)
    }

    /// A FIFO where a page's PNG should be: verify names it and goes on, instead of waiting
    /// forever for a writer.
    @Test func fifoInPlaceOfAPNGDoesNotHangVerify() throws {
        let (root, pages) = try archiveWithQRCodes("fifo-asset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let asset = "\(root)/\(pages[0]).png"
        try FileManager.default.removeItem(atPath: asset)
        #expect(mkfifo(asset, 0o644) == 0)
        // And a FIFO named like a page: named once, as a file that cannot be read.
        let page = "\(root)/pages/world/fifo.md"
        try FileManager.default.createDirectory(atPath: "\(root)/pages/world", withIntermediateDirectories: true)
        #expect(mkfifo(page, 0o644) == 0)
        let output = try Run.run(["timeout", "60", sharemark, "verify", root])
        #expect(output.status == 1, "exit \(output.status) (124: it hung): \(output.out.suffix(2000))\(output.err)")
        let lines = output.out.split(separator: "\n")
        #expect(lines.filter { $0.contains("\(pages[0]).png") && $0.contains("not a regular file") }.count == 1, "\(output.out)")
        #expect(lines.filter { $0.hasPrefix("pages/world/fifo.md: error: is a FIFO") && $0.contains("(file-unreadable)") }.count == 1,
                "\(output.out)")
    }

    /// PNGs of 8 KB that claim 8192×8192 pixels (within libpng's defaults): verify refuses them
    /// from their header, quickly and in bounded memory, and says what they are.
    @Test func decompressionBombsAsAssetsStayBounded() throws {
        let (root, pages) = try archiveWithQRCodes("bomb-asset")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let rows = [UInt8](repeating: 0, count: (1 + 8192 / 8) * 8192)
        let deflated = try Run.run(["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 9))"],
                                   stdin: Data(rows))
        #expect(deflated.status == 0 && deflated.stdout.count > 1000, "zlib: \(deflated.err)")
        let bomb = PNGBuilder.png(width: 8192, height: 8192, bitDepth: 1, colourType: 0, idat: Array(deflated.stdout))
        #expect(bomb.count < 16_000)
        for page in pages.prefix(3) { try Hardening.write(Data(bomb), to: "\(root)/\(page).png") }
        let output = try Run.run(["/usr/bin/time", "-f", "maxrss-kb=%M", "timeout", "120", sharemark, "verify", "--jobs", "2", root])
        #expect(output.status == 1, "\(output.out.suffix(2000))\(output.err)")
        let lines = output.out.split(separator: "\n")
        for page in pages.prefix(3) {
            #expect(lines.contains { $0.contains("\(page).png") && $0.contains("8192×8192") }, "\(page).png: \(output.out)")
        }
        let rss = try #require(Self.maxRSS(output), "no maximum RSS from /usr/bin/time: \(output.err.suffix(500))")
        #expect(rss > 0 && rss < 300_000, "max RSS \(rss) kB")
    }
}
