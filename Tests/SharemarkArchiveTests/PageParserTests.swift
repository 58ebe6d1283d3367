import Foundation
import Testing
@testable import SharemarkArchive

@Suite struct PageParserTests {
    let parser = PageParser()

    @Test func worldPageFooterAndLines() throws {
        let page = parser.parse(try Fixture.bytes("pages/world/n10000001.md"))
        #expect(page.title == "北极理事会外长会议在雷克雅未克开幕")
        let f = try #require(page.footer)
        #expect(f.printedMirrorURL == "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md")
        #expect(f.printedMirrorLine == 29)
        #expect(f.linkedMirrorURL == f.printedMirrorURL)
        #expect(f.linkLine == 30)
        #expect(f.qrImageURL == "https://cdn.jsdelivr.net/gh/example-org/mirror/pages/world/n10000001.md.png")
        #expect(f.qrImageLine == 30)
        #expect(f.originalURL == "https://www.example-news.com/gb/21/5/20/n10000001.htm")
        #expect(f.originalLine == 31)
        #expect(page.datelineDate == "2021-05-20")
        #expect(!page.invalidUTF8 && !page.hasBOM && !page.usesCRLF)
    }

    /// A footer's label on the page's first line (a page with no title) is the footer's: the
    /// learned style starts with it, as it does further down a page.
    @Test func labelOnTheFirstLineIsPartOfTheFooter() throws {
        let mirror = "https://github.com/example-org/mirror/blob/master/pages/world/n1.md"
        let text = "Share this page:\n\(mirror) <br/>\n<a href='\(mirror)'><img src='\(mirror).png'/></a> <br/>\n"
            + "原文链接：https://example.com/n1 <br/>\n"
        for body in ["", "### Title\n\nText.\n\n"] {
            let page = parser.parse(Array((body + text).utf8))
            let style = try #require(page.footerStyle)
            #expect(style.lines.count == 4, "\(style.lines)")
            #expect(style.lines.first == [.text("Share this page:")])
        }
    }

    @Test func crlfPage() throws {
        let page = parser.parse(try Fixture.bytes("pages/culture/lib-05312019110343.md"))
        #expect(page.usesCRLF)
        #expect(page.title == "City library extends opening hours")
        let f = try #require(page.footer)
        #expect(f.printedMirrorLine == 10 && f.linkLine == 11 && f.originalLine == 12)
        #expect(f.originalURL == "https://www.example-news.com/gb/2019/05/31/a102555001.html")
        let record = PageRecord(file: PageFile(path: try ArchivePath("pages/culture/lib-05312019110343.md"), category: "culture",
                                               id: "lib-05312019110343", size: 0, mtimeNs: 0),
                                page: page, mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        #expect(record.date == "2019-05-31")
        #expect(record.problems.isEmpty)
    }

    @Test func legacyAliasPage() throws {
        let page = parser.parse(try Fixture.bytes("pages/legacy/n09000002.md"))
        let f = try #require(page.footer)
        #expect(f.linkedMirrorURL.contains("/old-mirror/"))
        #expect(f.qrImageURL == "https://github.com/example-org/old-mirror/blob/master/pages/legacy/n09000002.md.png")
        #expect(f.originalURL == "http://www.example-news.com/gb/19/7/3/n09000002.htm")
        #expect(f.linkLine == 16)
        #expect(page.datelineDate == "2019-07-11")
        let record = PageRecord(file: PageFile(path: try ArchivePath("pages/legacy/n09000002.md"), category: "legacy",
                                               id: "n09000002", size: 0, mtimeNs: 0),
                                page: page, mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        #expect(record.imageLinkForm == .blob)
        #expect(record.mirrorRepository == "old-mirror")
        #expect(record.qrAsset?.value == "pages/legacy/n09000002.md.png")
        #expect(record.date == "2019-07-03")  // the URL's date wins over the dateline
    }

    @Test func pageWithoutFooter() throws {
        let page = parser.parse(try Fixture.bytes("pages/culture/painting.md"))
        #expect(page.title == "画展预告")
        #expect(page.footer == nil)
    }

    @Test func bomInvalidUTF8QueryAndUnknownTags() throws {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += Array("### 标题 \n---\n<ok href='x'>\n".utf8)
        bytes += [0xFF, 0xFE, 0x0A]
        bytes += Array(footer("pages/a/n1.md", original: "https://example.com/gb/2020/01/02/n1.htm?x=1").utf8)
            .map { $0 }
        // A query suffix on the link and image.
        let text = String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "n1.md'>", with: "n1.md?t=1'>")
            .replacingOccurrences(of: ".png'", with: ".png?v=2'")
        var withInvalid = Array(text.utf8)
        withInvalid.insert(0xC3, at: 20)  // a truncated sequence
        let page = parser.parse(withInvalid)
        #expect(page.hasBOM)
        #expect(page.invalidUTF8)
        #expect(page.title == "标题")
        let f = try #require(page.footer)
        #expect(f.linkedMirrorURL.hasSuffix("n1.md?t=1"))
        #expect(f.linkLine == 8)
        #expect(f.originalURL == "https://example.com/gb/2020/01/02/n1.htm?x=1")
        let record = PageRecord(file: PageFile(path: try ArchivePath("pages/a/n1.md"), category: "a", id: "n1", size: 0, mtimeNs: 0),
                                page: page, mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        #expect(record.qrAsset?.value == "pages/a/n1.md.png")
        #expect(record.date == "2020-01-02")
    }

    @Test func lastFooterWinsAndOutsideAsset() throws {
        let first = footer("pages/a/n1.md", original: "https://example.com/first")
        let second = footer("pages/a/n1.md", original: "https://example.com/second")
            .replacingOccurrences(of: "/example-org/mirror/pages/a/n1.md.png", with: "/example-org/mirror/pages/../../etc/passwd")
        let page = parser.parse(Array("### t\n\(first)\nbody\n\(second)".utf8))
        let f = try #require(page.footer)
        #expect(f.originalURL == "https://example.com/second")
        #expect(f.linkLine == 12)
        let record = PageRecord(file: PageFile(path: try ArchivePath("pages/a/n1.md"), category: "a", id: "n1", size: 0, mtimeNs: 0),
                                page: page, mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        #expect(record.assetOutsideArchive)
        // The page's asset is its own, whatever the link names; the link names no archive file.
        #expect(record.qrAsset?.value == "pages/a/n1.md.png")
        #expect(record.imageLinkTarget == nil)
        #expect(record.problems.contains { $0.message.contains("outside the archive") && $0.line == 12 })
    }

    /// A page cut off after its footer's mirror URL line has a broken footer, named at that
    /// line; a page that only mentions a mirror URL in its navigation has no footer at all.
    @Test func footerCutOffAfterTheMirrorURL() throws {
        let whole = String(decoding: try Fixture.bytes("pages/world/n10000001.md"), as: UTF8.self)
        let cut = whole.components(separatedBy: "\n").prefix(29).joined(separator: "\n") + "\n"
        let page = parser.parse(Array(cut.utf8))
        #expect(page.footer == nil)
        #expect(page.unlinkedMirrorLine == 29)
        let file = PageFile(path: try ArchivePath("pages/world/n10000001.md"), category: "world", id: "n10000001",
                            size: 0, mtimeNs: 0)
        let record = PageRecord(file: file, page: page, mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        #expect(record.problems.map(\.kind) == [.footerIncomplete])
        #expect(record.problems.first?.line == 29)

        // Another page's URL, or a navigation line, is not a footer of this page.
        let other = PageRecord(file: PageFile(path: try ArchivePath("pages/world/n2.md"), category: "world", id: "n2",
                                              size: 0, mtimeNs: 0),
                               page: page, mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        #expect(other.problems.isEmpty)
        let legacy = parser.parse(try Fixture.bytes("pages/culture/painting.md"))
        #expect(legacy.unlinkedMirrorURL == nil)
    }

    @Test func datelineOnlyDate() {
        let page = parser.parse(Array("### t\n<p>【某报2018年3月9日讯】正文</p>\n".utf8))
        #expect(page.datelineDate == "2018-03-09")
        #expect(page.footer == nil)
    }

    @Test func emptyAndTinyPages() {
        #expect(parser.parse([]).title == nil)
        #expect(parser.parse(Array("### x".utf8)).title == "x")
        #expect(parser.parse([0xEF, 0xBB, 0xBF]).hasBOM)
    }

    /// A 50 MB page parses in one linear pass (no timing assertion: the result is checked).
    @Test func largePage() throws {
        var text = "### 大页面\n---\n"
        let paragraph = "<p>【示例新闻2021年05月20日讯】北极理事会外长会议 <a href='https://example.com/x'>link</a> http://example.com/a</p>\n"
        var body = String()
        body.reserveCapacity(52_000_000)
        while body.utf8.count < 50_000_000 { body += paragraph }
        text += body
        text += footer("pages/big/n1.md", original: "https://example.com/gb/21/5/20/n1.htm")
        let bytes = Array(text.utf8)
        let page = parser.parse(bytes)
        #expect(page.title == "大页面")
        #expect(page.footer?.originalURL == "https://example.com/gb/21/5/20/n1.htm")
        #expect(page.footer?.qrImageURL.hasSuffix("pages/big/n1.md.png") == true)
        // One very long line as well.
        let oneLine = Array(("### x\n" + String(repeating: "北极<a x", count: 2_000_000) + "\n").utf8)
        #expect(parser.parse(oneLine).footer == nil)
    }
}
