import Foundation
import GRDB
import Testing
@testable import SharemarkArchive

/// The shortcuts parsing and indexing take for speed give what the plain ways give: tests of a
/// line's bytes what the tests of its text give, the inserter what GRDB would store, an index
/// built from nothing the schema the migrations make.
@Suite struct ShortcutTests {
    /// Lines that trip Character-level rules: blanks of several kinds, combining marks and
    /// prefix scalars next to ASCII, carriage returns, invalid bytes, a BOM.
    static let lines: [[UInt8]] = {
        let texts = [
            "", " ", "\t \u{0B}\u{0C}", "\r", " \r", "\u{3000}", "\u{A0} ", " \u{301}", "x", " x ",
            "---", " --- ", "--", "- - -", "-\u{301}--", "\u{0600}---", "---\u{3000}", "\u{1C}---",
            "<hr/>", "<HR />", " <hr> ", "<hr        >", "<hr/>\u{301}", "\u{0600}<hr/>", "<hr/", "\u{1C}hr/>",
            "<hr/>\u{3000}", "<br/>", "手机上长按并复制下列链接或二维码分享本文章：<br/>", "label", " label ",
            "</div>", "#### x", "<DIV class='a'>", "<p>", "<p class='x'>", "<pre>", "<img src='a'/>", "<Table>",
            "<ul>", "<ol>", "<li>", "<a href='x'>", "see https://x.com", "a://b", "\u{0600}label", "label\u{301}",
            "\u{3000}<hr/>", "\u{3000}label", "中<hr/>", "<hr/>中", "标签 https://x.com", "中---", "\u{3000}</div>", "é",
        ]
        var lines = texts.map { Array($0.utf8) }
        lines += [[0x80], [0x20, 0xFF, 0x20], [0x2D, 0x2D, 0x2D, 0xC3], [0x3C, 0x68, 0x72, 0x3E, 0xE0, 0x80], [0xE3, 0x80], [0xFF, 0x3C]]
        return lines
    }()

    @Test func lineTestsAgreeWithTheirTextDefinitions() throws {
        var bytes: [UInt8] = []
        for line in Self.lines { bytes += line + [0x0A] }
        let table = LineTable(bytes)
        #expect(table.count == Self.lines.count)
        for n in 1...table.count {
            let text = table.text(n)
            let t = text.trimmed()
            #expect(table.isBlank(n) == text.allSatisfy { $0.isWhitespace }, "isBlank, line \(n): \(Self.lines[n - 1])")
            #expect(table.isDashes(n) == (t.count >= 3 && t.allSatisfy { $0 == "-" }), "isDashes, line \(n): \(Self.lines[n - 1])")
            #expect(table.isRule(n) == (t.hasASCIIPrefixIgnoringCase("<hr") && t.hasSuffix(">") && t.count <= 8),
                    "isRule, line \(n): \(Self.lines[n - 1])")
            let label = !t.isEmpty && !t.contains("://") && !(t.count >= 3 && t.allSatisfy { $0 == "-" })
                && !t.hasPrefix("</") && !t.hasPrefix("#")
                && !["<div", "<p>", "<p ", "<img", "<table", "<ul", "<ol", "<li"].contains { t.hasASCIIPrefixIgnoringCase($0) }
            #expect(table.isLabel(n) == label, "isLabel, line \(n): \(Self.lines[n - 1])")
        }
        // Pinned, so that a wrong definition above cannot pass for a right one.
        #expect(table.isBlank(3) && table.isBlank(4) && table.isBlank(6) && !table.isBlank(9) && !table.isBlank(28))
        #expect(table.isDashes(12) && !table.isDashes(14) && !table.isDashes(15) && table.isDashes(17))
        #expect(table.isRule(19) && table.isRule(20) && table.isRule(21) && !table.isRule(22) && !table.isRule(23))
        #expect(table.isLabel(29) && table.isLabel(30) && !table.isLabel(32) && !table.isLabel(34) && !table.isLabel(45))
        #expect(table.isRule(48) && !table.isRule(50) && table.isLabel(49) && table.isLabel(50) && !table.isLabel(52) && !table.isLabel(54))
    }

    @Test func lineTableEndings() {
        let table = LineTable(Array("a\r\nb\n\nc".utf8))
        #expect(table.content == [0..<1, 3..<4, 5..<5, 6..<7])
        #expect(table.ending == [1..<3, 4..<5, 5..<6, 7..<7])
        #expect(LineTable([]).count == 0)
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF]
        var checked = 0, valid = 0
        func check(_ bytes: [UInt8]) {
            let expected = String(validating: bytes, as: UTF8.self) != nil
            let got = bytes.withUnsafeBufferPointer { UTF8Check.isValid($0) }
            #expect(got == expected, "\(bytes)")
            checked += 1
            valid += expected ? 1 : 0
        }
        for a in interesting {
            check([a])
            for b in interesting {
                check([a, b])
                for c in interesting {
                    check([a, b, c])
                    for d in [0x80, 0xBF, 0x41] as [UInt8] { check([a, b, c, d]) }
                }
            }
        }
        // Sequences after a run of ASCII long enough for the eight-byte steps.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = Array("0123456789abcdef".utf8)
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                bytes.insert(interesting.randomElement(using: &generator)!, at: Int.random(in: 0...bytes.count, using: &generator))
            }
            check(bytes)
        }
        check(Array("北极理事会 Arctic 🧊".utf8))
        #expect(checked > 20_000 && valid > 1000)
    }

    @Test func originalKeyOfASCIIAndOtherURLs() {
        #expect(URLText.originalKey("HTTPS://WWW.Example-News.COM/gb/21/5/20/N1.htm?x=1#top") == "example-news.com/gb/21/5/20/N1.htm")
        #expect(URLText.originalKey("http://www.x.com") == "x.com")
        #expect(URLText.originalKey("https://wwwx.com/a") == "wwwx.com/a")
        #expect(URLText.originalKey("https://www./a") == "/a")
        #expect(URLText.originalKey("https://WWW.例子.COM/A") == "例子.com/A")
        #expect(URLText.originalKey("https://Ex.com/\u{301}x") == "ex.com/\u{301}x")
        #expect(URLText.originalKey("ftp://Host") == "host")
        #expect(URLText.originalKey("www.Host/P") == "host/P")
    }

    @Test func templateMatchesWithAndWithoutSchemeQueryFragment() throws {
        let parts = try #require(URLTemplate.defaultMirror.match("http://github.com/o/r/blob/main/pages/a/b.md?raw=1#L2"))
        #expect(parts == URLTemplate.Parts(owner: "o", repository: "r", branch: "main", path: "pages/a/b.md"))
        #expect(URLTemplate.defaultMirror.match("github.com/o/r/blob/main/p.md")?.path == "p.md")
        #expect(URLTemplate.defaultMirror.match("https://github.com/o/r/tree/main/p.md") == nil)
        #expect(URLTemplate.defaultCDN.match(Substring("xhttps://cdn.jsdelivr.net/gh/o/r@v1/p.png").dropFirst())?.branch == "v1")
    }

    /// Every column round-trips through the inserter, empty text and NULL kept apart.
    @Test func inserterWritesEveryColumn() throws {
        let queue = try DatabaseQueue()
        try ArchiveIndex.migrator.migrate(queue)
        let file = PageFile(path: try ArchivePath("pages/a/b.md"), category: "a", id: "b", size: 12, mtimeNs: -5)
        let record = PageRecord(file: file, page: PageParser().parse(Array(("### 标题\n" + footer("pages/a/b.md", original: "https://X.com/gb/21/5/20/b.htm")).utf8)),
                                mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        var row = PageRow(record)
        row.mirrorBranch = ""
        row.problems = [.init(kind: .titleMissing, line: 3, message: "m")]
        try queue.write { db in
            try db.execute(sql: "INSERT INTO footer_styles (id, key) VALUES (7, 'k')")
            var inserter = try PageRow.Inserter(db)
            try inserter.insert(row, footerStyleID: 7)
        }
        let back = try queue.read { db in
            try PageRow.fetchAll(db.makeStatement(sql: PageRow.select()), arguments: [])
        }
        #expect(back.count == 1)
        let read = try #require(back.first)
        #expect(read.path == "pages/a/b.md" && read.category == "a" && read.id == "b" && read.size == 12 && read.mtimeNs == -5)
        #expect(read.title == "标题" && read.hasFooter && read.mirrorURL == row.mirrorURL && read.mirrorURLLine == 4)
        #expect(read.linkedMirrorURL == row.linkedMirrorURL && read.linkLine == 5)
        #expect(read.qrImageURL == row.qrImageURL && read.qrImageLine == 5 && read.imageLinkTarget == "pages/a/b.md.png")
        #expect(read.originalURL == "https://X.com/gb/21/5/20/b.htm" && read.originalLine == 6 && read.originalKey == "x.com/gb/21/5/20/b.htm")
        #expect(read.date == "2021-05-20" && !read.invalidUTF8 && !read.hasBOM && !read.crlf)
        #expect(read.mirrorOwner == "example-org" && read.mirrorRepository == "mirror" && read.mirrorBranch == "")
        #expect(!read.aliasUsed && !read.legacyImage && read.imageForm == .cdn && read.footerStyleID == 7 && !read.assetOutsideArchive)
        #expect(read.problems == row.problems)
        let types = try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT typeof(mirror_branch), typeof(has_footer), typeof(footer_style_id), typeof(date) FROM pages")
        }
        #expect(types == ["typeof(mirror_branch)": "text", "typeof(has_footer)": "integer", "typeof(footer_style_id)": "integer", "typeof(date)": "text"])
    }

    /// A failing insert throws the step's error and leaves the statement usable.
    @Test func inserterReportsConstraintFailures() throws {
        let queue = try DatabaseQueue()
        try ArchiveIndex.migrator.migrate(queue)
        let file = PageFile(path: try ArchivePath("pages/a/b.md"), category: "a", id: "b", size: 1, mtimeNs: 1)
        let record = PageRecord(file: file, page: PageParser().parse(Array("### t\n".utf8)), mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        let row = PageRow(record)
        try queue.write { db in
            var inserter = try PageRow.Inserter(db)
            try inserter.insert(row, footerStyleID: nil)
            let error = #expect(throws: DatabaseError.self) { try inserter.insert(row, footerStyleID: nil) }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(error?.message?.contains("pages.path") == true)
            var other = row
            other.path = "pages/a/c.md"
            try inserter.insert(other, footerStyleID: nil)
        }
        #expect(try queue.read { db in try String.fetchAll(db, sql: "SELECT path FROM pages ORDER BY path") } == ["pages/a/b.md", "pages/a/c.md"])
    }

    /// The indexes dropped for building from nothing are made again, as the migrations wrote them.
    @Test func indexFromNothingHasTheMigratedSchema() throws {
        let root = try Fixture.copyOfArchive()
        let index = try ArchiveIndex(archive: root)
        func schema() throws -> [Row] {
            try index.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            }
        }
        let migrated = try schema()
        #expect(migrated.contains { $0["name"] == "pages_id" } && migrated.contains { $0["name"] == "pages_original_key" })
        let summary = try index.update()
        #expect(summary.parsed == 4)
        #expect(try schema() == migrated)
        let plan = try index.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT path FROM pages WHERE original_key = ?", arguments: ["x"]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("pages_original_key") }, "\(plan)")
        // Lookups by id and by original URL read their pages in path order from the index,
        // with no sort of their own.
        for column in ["id", "original_key"] {
            let lookupPlan = try index.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM pages WHERE \(column) = ? ORDER BY path",
                                 arguments: ["x"]).map { $0["detail"] as String }
            }
            #expect(lookupPlan.contains { $0.contains("USING INDEX pages_\(column == "id" ? "id" : "original_key")") }, "\(lookupPlan)")
            #expect(!lookupPlan.contains { $0.contains("TEMP B-TREE") }, "\(lookupPlan)")
        }
        // The totals every command reports come from a partial index, not a scan of the table.
        let totalPlan = try index.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT path, problems FROM pages WHERE \(ArchiveIndex.flagged) ORDER BY path")
                .map { $0["detail"] as String }
        }
        #expect(totalPlan == ["SCAN pages USING INDEX pages_flagged"], "\(totalPlan)")
        #expect(try index.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pages WHERE id = 'n10000001'") } == 1)
    }

    /// The byte-level search for a whole URL finds what the search by Characters finds, around
    /// blanks, quotes, combining marks, prefix scalars, CR and LF.
    @Test func urlOccurrenceFromBytesAgreesWithCharacters() {
        let around = ["", "'", "\"", "=", " ", "\t", ">", "(", "：", ":", "x", "\u{301}", "\u{0600}", "\r", "\n", "\r\n",
                      "<", ")", "]", "/>", "/", "é", ".png", "/>\u{301}", "'\u{301}", "\u{0600}'"]
        let urls = ["https://x.com/a.md", "http://x.com/a.md.png", "x.com/a", "http\u{301}s://x", "h"]
        var compared = 0, found = 0
        func offsets(_ range: Range<Substring.Index>?, in text: Substring) -> [Int]? {
            range.map { [text.utf8.distance(from: text.startIndex, to: $0.lowerBound), text.utf8.distance(from: text.startIndex, to: $0.upperBound)] }
        }
        for url in urls {
            for a in around {
                for b in around {
                    for text in [a + url + b, a + url + b + " " + url + a, b + url + url + a] {
                        for cut in [0, 1] where cut <= text.count {
                            let sub = Substring(text).dropFirst(cut)
                            let fast = URLOccurrence.first(of: url, in: sub), slow = URLOccurrence.firstByCharacters(of: url, in: sub)
                            #expect(offsets(fast, in: sub) == offsets(slow, in: sub), "\(Array(text.utf8)) from \(cut)")
                            compared += 1
                            found += slow == nil ? 0 : 1
                        }
                    }
                }
            }
        }
        #expect(compared > 10_000 && found > 5000)
        // Pinned.
        let line = "<a href='https://x.com/a.md'><img src='https://x.com/a.md.png'/></a>"
        let range = URLOccurrence.first(of: "https://x.com/a.md", in: Substring(line))
        #expect(offsets(range, in: Substring(line)) == [9, 27])
        #expect(URLOccurrence.first(of: "https://x.com/a.md", in: "xhttps://x.com/a.md.png") == nil)
    }

    /// A footer line cut into pieces from its bytes gives the pieces its text gives, or leaves
    /// the line to the text: around quotes, blanks, full-width colons, combining marks, prefix
    /// scalars, CR, invalid bytes and a BOM, with one to three marks, one inside another.
    @Test func templateFromLineBytesAgreesWithTemplateOfText() throws {
        let around = ["", "'", "\"", " ", ">", "(", "：", ":", "x", "\u{301}", "\u{0600}", "\r", "<", "/>", ".png", "é", "中"]
        let mirror = "https://x.com/a.md", image = "https://x.com/a.md.png", original = "http://o.com/1.htm"
        let markSets: [[(String, FooterStyle.Piece)]] = [
            [], [(mirror, .mirrorURL)], [(mirror, .mirrorURL), (image, .imageURL)],
            [(mirror, .mirrorURL), (image, .imageURL), (original, .originalURL)], [("", .mirrorURL)],
        ]
        var texts: [[UInt8]] = []
        for a in around {
            for b in around {
                texts.append(Array("\(a)\(mirror)\(b) <br/>".utf8))
                texts.append(Array("<a href=\(a)\(mirror)\(b)><img src=\(b)\(image)\(a)/></a>\(b)\(original)".utf8))
                texts.append(Array("原文\(a)\(original)\(b)\(mirror)".utf8))
            }
        }
        texts += [[0xFF] + Array(" \(mirror) ".utf8), Array("<a href='\(mirror)'>".utf8) + [0xC3]]
        var compared = 0, fromBytes = 0
        for withBOM in [false, true] {
            var bytes: [UInt8] = withBOM ? [0xEF, 0xBB, 0xBF] : []
            for text in texts { bytes += text + [0x0A] }
            let table = LineTable(bytes)
            for n in 1...table.count {
                for marks in markSets {
                    let pieces = FooterStyle.template(line: n, of: table, marks)
                    #expect(pieces == FooterStyle.template(table.text(n), marks), "line \(n) \(table.text(n)), \(marks.count) marks")
                    compared += 1
                    let valid = table.isValidUTF8(n) && !(n == 1 && withBOM)
                    let direct = table.bytes.withUnsafeBufferPointer {
                        FooterStyle.templateFromBytes(UnsafeBufferPointer(rebasing: $0[table.content[n - 1]]), marks)
                    }
                    if valid, case .decided = direct { fromBytes += 1 }
                }
            }
        }
        #expect(compared > 4000 && fromBytes > 1500 && fromBytes < compared - 500, "\(fromBytes) of \(compared) from bytes")
        // Pinned: the link line of a footer.
        let table = LineTable(Array("<a href='\(mirror)'><img src='\(image)'/></a> <br/>".utf8))
        #expect(FooterStyle.template(line: 1, of: table, [(mirror, .mirrorURL), (image, .imageURL)])
                == [.text("<a href='"), .mirrorURL, .text("'><img src='"), .imageURL, .text("'/></a> <br/>")])
    }

    @Test func footerStyleOfAnArchivePage() throws {
        let page = PageParser().parse(Array(("### t\n正文\n\n" + footer("pages/a/b.md", original: "https://x.com/gb/21/5/20/b.htm") + "\n\n---\n").utf8))
        let style = try #require(page.footerStyle)
        #expect(style.lines == FooterStyle.standard.lines)
        #expect(style.blankLinesBefore == 1 && style.blankLinesAfter == 2 && style.trailing == .dashes)
    }

    @Test func isHTTPAgreesWithItsTextDefinition() {
        let urls = ["http://x", "HTTPS://x", "Http://", "https:/", "https:", "ftp://x", "", "h", "http:/\r\n/x", "http://\u{301}x",
                    "https:/\u{301}/x", "ｈttp://x", "javascript:alert(1)", "HtTpS://例子", "http://\r\nx", "https\r\n://x", "\u{0600}http://"]
        for url in urls {
            let head = url.prefix(8).lowercased()
            #expect(PageRecord.isHTTP(url) == (head.hasPrefix("http://") || head.hasPrefix("https://")), "\(Array(url.utf8))")
        }
        #expect(PageRecord.isHTTP("HTTPS://x") && !PageRecord.isHTTP("http://\u{301}x") && PageRecord.isHTTP("http://x\u{301}"))
    }
}
