import Foundation
import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import SharemarkTestSupport
import Testing

/// `sharemark fix`: each rewrite, insertion in the archive's own style and place, bytes kept
/// outside the changed lines, refusals, idempotence, and no invented URL.
@Suite struct FooterRepairTests {
    static func m(_ page: String) -> String { TestArchive.mirrorURL(page) }
    static let original = "原文地址（需翻墙访问）：https://www.example-news.com/gb/21/5/20/n1.htm"

    /// The page `TestArchive.page` writes, line by line, with the given footer URLs.
    static func lines(_ page: String, printed: String, linked: String, image: String) -> [String] {
        ["### Title of \(page.dropFirst(6))", "------------------------", "", "<div><p>Body text.</p></div>", "<hr/>",
         "手机上长按并复制下列链接或二维码分享本文章：<br/>", "\(printed) <br/>",
         "<a href='\(linked)'><img src='\(image)'/></a> <br/>", original, "------------------------", ""]
    }

    static func canonical(_ page: String) -> [String] {
        lines(page, printed: m(page), linked: m(page), image: TestArchive.cdnURL(page + ".png"))
    }

    func plan(_ a: TestArchive, form: ImageLinkForm? = nil) throws -> (ArchiveIndex, FixPlan) {
        let index = try a.index()
        return (index, try FixPlan.make(index: index, imageLinkForm: form, jobs: 2))
    }

    func fix(_ a: TestArchive, form: ImageLinkForm? = nil) throws -> FixSummary {
        let (index, plan) = try plan(a, form: form)
        return try Fixer(archive: a.root, jobs: 2).run(plan, index: index)
    }

    @Test func eachFaultIsRewrittenToThePagesOwnURLsAndNothingElseChanges() throws {
        let a = try TestArchive()
        defer { a.remove() }
        let old = { (page: String) in TestArchive.mirrorURL(page, repository: "old-mirror") }
        try a.page("world/alias.md", repository: "old-mirror")
        try a.page("world/printed.md", printed: Self.m("pages/world/other.md"))
        try a.page("world/elsewhere.md", printed: Self.m("pages/world/other.md"), linked: Self.m("pages/world/other.md"))
        try a.page("world/blob.md", image: Self.m("pages/world/blob.md.png"))
        try a.page("world/good.md")
        try a.page("world/good2.md")
        let before = try a.bytes("pages/world/good.md")
        let (_, planned) = try plan(a)
        #expect(planned.footers.refused.isEmpty)
        #expect(Set(planned.footers.repairs.map(\.page.value))
                == ["pages/world/alias.md", "pages/world/printed.md", "pages/world/elsewhere.md", "pages/world/blob.md"])
        let kinds = Dictionary(uniqueKeysWithValues: planned.footers.repairs.map { ($0.page.value, Set($0.changes.map(\.kind))) })
        #expect(kinds["pages/world/alias.md"] == [.aliasMirrorURL])
        #expect(kinds["pages/world/printed.md"] == [.mirrorURLMismatch])
        #expect(kinds["pages/world/elsewhere.md"] == [.footerNamesOtherPage])
        #expect(kinds["pages/world/blob.md"] == [.imageURLOtherForm])
        // The printed URL, the link and the image URL under the old name: all three repaired.
        let alias = try #require(planned.footers.repairs.first { $0.page.value == "pages/world/alias.md" })
        #expect(alias.changes.map(\.message) == [
            "mirror URL \(old("pages/world/alias.md")) becomes \(Self.m("pages/world/alias.md"))",
            "mirror URL \(old("pages/world/alias.md")) becomes \(Self.m("pages/world/alias.md"))",
            "QR image URL \(TestArchive.cdnURL("pages/world/alias.md.png", repository: "old-mirror")) becomes "
                + TestArchive.cdnURL("pages/world/alias.md.png"),
        ])

        let summary = try fix(a)
        #expect(summary.succeeded, "\(summary.text)")
        #expect(summary.pagesRewritten.count == 4)
        for page in ["world/alias.md", "world/printed.md", "world/elsewhere.md", "world/blob.md"] {
            let path = "pages/" + page
            #expect(String(decoding: try a.bytes(path), as: UTF8.self) == Self.canonical(path).joined(separator: "\n"))
        }
        #expect(try a.bytes("pages/world/good.md") == before)
        let report = try a.verify()
        #expect(report.errors.isEmpty, "\(report.text)")
        #expect(report.findings.isEmpty, "\(report.text)")
        // A second run changes nothing.
        let (_, again) = try plan(a)
        #expect(!again.changesSomething)
    }

    @Test func onlyTheFooterLinesChangeInCRLFBOMAndInvalidUTF8Pages() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.page("world/good.md")
        try a.page("world/good2.md")
        let page = "pages/world/odd.md"
        let oldMirror = TestArchive.mirrorURL(page, repository: "old-mirror")
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += Array("### Odd  \r\n------------------------\n\n<p>caf".utf8) + [0xC3, 0x28] + Array(" \t \r\n".utf8)
        bytes += Array("<hr/>\r\n手机上长按并复制下列链接或二维码分享本文章：<br/>\r\n\(oldMirror) <br/>  \r\n".utf8)
        bytes += Array("<a href='\(oldMirror)'><img src='\(TestArchive.cdnURL(page + ".png", repository: "old-mirror"))'/></a> <br/>\n".utf8)
        bytes += Array("\(Self.original)\r\n\n------------------------\r\n#### [首页](../../README.md)".utf8)
        try a.write(bytes, to: page)

        let summary = try fix(a)
        #expect(summary.pagesRewritten == [page], "\(summary.text)")
        var expected: [UInt8] = [0xEF, 0xBB, 0xBF]
        expected += Array("### Odd  \r\n------------------------\n\n<p>caf".utf8) + [0xC3, 0x28] + Array(" \t \r\n".utf8)
        expected += Array("<hr/>\r\n手机上长按并复制下列链接或二维码分享本文章：<br/>\r\n\(Self.m(page)) <br/>  \r\n".utf8)
        expected += Array("<a href='\(Self.m(page))'><img src='\(TestArchive.cdnURL(page + ".png"))'/></a> <br/>\n".utf8)
        expected += Array("\(Self.original)\r\n\n------------------------\r\n#### [首页](../../README.md)".utf8)
        #expect(try a.bytes(page) == expected)
    }

    @Test func aPageWithoutFooterGetsOneInTheArchivesStyleAndPlace() throws {
        let a = try TestArchive()
        defer { a.remove() }
        // The archive's own wording: no rule, an English label, double quotes, no <br/>.
        func plain(_ page: String, trailing: Bool = true) throws {
            let path = "pages/" + page
            let lines = ["### \(page)", "------------------------", "", "<p>Body.</p>", "", "Share this page:", Self.m(path),
                         "<a href=\"\(Self.m(path))\"><img src=\"\(Self.m(path + ".png"))\"/></a>", "Original: https://example-news.com/a.htm",
                         "", "", "------------------------", "#### [Home](../../README.md)", ""]
            try a.write(lines.joined(separator: "\n"), to: path)
        }
        try plain("world/a.md")
        try plain("world/b.md")
        try plain("world/c.md")
        // Without footer: with a trailing block, without one, and without a final newline.
        let withBlock = "### New\n------------------------\n\n<p>Body.</p>\n\n\n------------------------\n#### [Home](../../README.md)\n"
        let atEnd = "### New\r\n------------------------\r\n\r\n<p>Body.</p>"
        try a.write(withBlock, to: "pages/world/new.md")
        try a.write(atEnd, to: "pages/world/end.md")
        // A page whose footer was cut off at the end: the blank line it left is the one before
        // the footer, not one more.
        try a.write("### New\n------------------------\n\n<p>Body.</p>\n\n", to: "pages/world/cut.md")
        let index = try a.index()
        #expect(index.config.imageLinkForm == .blob)
        #expect(index.config.footerStyle.lines.count == 4)

        let summary = try fix(a)
        #expect(summary.succeeded, "\(summary.text)")
        #expect(Set(summary.pagesRewritten) == ["pages/world/new.md", "pages/world/end.md", "pages/world/cut.md"])
        let new = Self.m("pages/world/new.md"), end = Self.m("pages/world/end.md"), cut = Self.m("pages/world/cut.md")
        #expect(String(decoding: try a.bytes("pages/world/cut.md"), as: UTF8.self)
                == "### New\n------------------------\n\n<p>Body.</p>\n\nShare this page:\n\(cut)\n"
                   + "<a href=\"\(cut)\"><img src=\"\(cut).png\"/></a>\n")
        #expect(String(decoding: try a.bytes("pages/world/new.md"), as: UTF8.self) == """
            ### New
            ------------------------

            <p>Body.</p>

            Share this page:
            \(new)
            <a href="\(new)"><img src="\(new).png"/></a>


            ------------------------
            #### [Home](../../README.md)

            """)
        // The footer ends the page, in its line endings, still without a final newline.
        #expect(String(decoding: try a.bytes("pages/world/end.md"), as: UTF8.self)
                == "### New\r\n------------------------\r\n\r\n<p>Body.</p>\r\n\r\nShare this page:\r\n\(end)\r\n"
                   + "<a href=\"\(end)\"><img src=\"\(end).png\"/></a>")
        let report = try a.verify()
        #expect(report.errors.isEmpty, "\(report.text)")
        #expect(Set(report.findings.map(\.kind)) == [.originalURLMissing])  // only a known original URL is written
        #expect(try plan(a).1.changesSomething == false)
        // Each PNG encodes its page's URL (zbar, an independent decoder).
        let decoded = try Run.run(["zbarimg", "--raw", "-q", a.root + "/pages/world/new.md.png"])
        #expect(decoded.out == new + "\n")
    }

    @Test func withNoFooterToLearnFromTheStandardFooterAndTheCDNFormAreWritten() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.page("world/n1.md", footer: false)
        let (index, planned) = try plan(a)
        #expect(index.config.footerStyle == .standard && index.config.imageLinkForm == .cdn)
        let repair = try #require(planned.footers.repairs.first)
        let page = "pages/world/n1.md"
        #expect(String(decoding: repair.after, as: UTF8.self) == [
            "### Title of world/n1.md", "------------------------", "", "<div><p>Body text.</p></div>", "<hr/>",
            "手机上长按并复制下列链接或二维码分享本文章：<br/>", "\(Self.m(page)) <br/>",
            "<a href='\(Self.m(page))'><img src='\(TestArchive.cdnURL(page + ".png"))'/></a> <br/>",
            "", "", "------------------------", ""].joined(separator: "\n"))
        #expect(UnifiedDiff.render(repair) == """
            --- a/\(page)
            +++ b/\(page)
            @@ -2,4 +2,10 @@
             ------------------------
             
             <div><p>Body text.</p></div>
            +<hr/>
            +手机上长按并复制下列链接或二维码分享本文章：<br/>
            +\(Self.m(page)) <br/>
            +<a href='\(Self.m(page))'><img src='\(TestArchive.cdnURL(page + ".png"))'/></a> <br/>
            +
            +
             ------------------------
            """)
    }

    /// A footer under the old name: the diff replaces its two lines in place, with the context
    /// after them; the plan's one entry for the page names both changes and the PNG.
    @Test func aRewrittenFooterDiffsLineForLineAndIsOneEntry() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.page("world/n1.md")
        let page = try a.page("world/old.md", repository: "old-mirror")
        let (_, planned) = try plan(a)
        let repair = try #require(planned.footers.repairs.first)
        let old = TestArchive.mirrorURL(page, repository: "old-mirror"), new = Self.m(page)
        let oldImage = TestArchive.cdnURL(page + ".png", repository: "old-mirror"), newImage = TestArchive.cdnURL(page + ".png")
        #expect(UnifiedDiff.render(repair) == """
            --- a/\(page)
            +++ b/\(page)
            @@ -4,7 +4,7 @@
             <div><p>Body text.</p></div>
             <hr/>
             手机上长按并复制下列链接或二维码分享本文章：<br/>
            -\(old) <br/>
            -<a href='\(old)'><img src='\(oldImage)'/></a> <br/>
            +\(new) <br/>
            +<a href='\(new)'><img src='\(newImage)'/></a> <br/>
             原文地址（需翻墙访问）：https://www.example-news.com/gb/21/5/20/n1.htm
             ------------------------
            """)
        let entries = planned.entries
        #expect(entries.map(\.page) == ["pages/world/n1.md", page])
        let entry = try #require(entries.last)
        #expect(entry.line == 7 && entry.kinds == ["alias-mirror-url", "asset-missing"])
        #expect(entry.changes == ["mirror URL \(old) becomes \(new)", "QR image URL \(oldImage) becomes \(newImage)",
                                  "QR image \(page).png is written (missing)"])
        #expect(entries.first?.kinds == ["asset-missing"] && entries.first?.line == 8)
    }

    @Test func unreadableFootersAreReportedAndLeftAlone() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.page("world/good.md")
        // No printed mirror URL before the link, an image URL of no known form, a cut-off footer.
        try a.write("### T\n---\n<hr/>\n<a href='\(TestArchive.mirrorURL("pages/world/noprint.md", repository: "old-mirror"))'><img src='x'/></a>\n",
                    to: "pages/world/noprint.md")
        try a.page("world/unknown.md", image: "https://images.example.org/qr/unknown.png")
        try a.write("### T\n---\n<p>b</p>\n\(Self.m("pages/world/cut.md")) <br/>\n", to: "pages/world/cut.md")
        let before = try ["noprint", "unknown", "cut"].map { try a.bytes("pages/world/\($0).md") }
        let (_, planned) = try plan(a)
        #expect(planned.footers.repairs.isEmpty)
        #expect(Set(planned.footers.refused.map(\.page)) == ["pages/world/noprint.md", "pages/world/unknown.md", "pages/world/cut.md"])
        let summary = try fix(a)
        #expect(!summary.succeeded)
        #expect(try ["noprint", "unknown", "cut"].map { try a.bytes("pages/world/\($0).md") } == before)
    }

    @Test func aTieLeavesImageFormsAloneAndAFormCanBeChosen() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.page("world/cdn.md")
        try a.page("world/blob.md", image: Self.m("pages/world/blob.md.png"))
        try a.page("world/none.md", footer: false)
        let (index, tie) = try plan(a)
        #expect(index.config.imageLinkForm == nil)
        #expect(tie.footers.repairs.isEmpty)
        #expect(tie.footers.refused.map(\.page) == ["pages/world/none.md"])
        #expect(try a.verify().findings.allSatisfy { $0.kind != .imageURLOtherForm })

        let summary = try fix(a, form: .blob)
        #expect(summary.succeeded, "\(summary.text)")
        #expect(Set(summary.pagesRewritten) == ["pages/world/cdn.md", "pages/world/none.md"])
        #expect(String(decoding: try a.bytes("pages/world/cdn.md"), as: UTF8.self)
                == Self.lines("pages/world/cdn.md", printed: Self.m("pages/world/cdn.md"), linked: Self.m("pages/world/cdn.md"),
                              image: Self.m("pages/world/cdn.md.png")).joined(separator: "\n"))
    }

    @Test func noURLIsInventedWithoutARepository() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try FileManager.default.removeItem(atPath: a.root + "/sharemark.toml")
        try a.page("world/n1.md", footer: false)
        try a.page("world/n2.md", footer: false)
        let index = try a.index()
        #expect(!index.config.knowsRepository)
        let article = try #require(try index.article(category: "world", id: "n1"))
        #expect(article.canonicalMirrorURL == nil && article.canonicalQRImageURL == nil && article.shareURL == nil)
        let planned = try FixPlan.make(index: index, jobs: 2)
        #expect(planned.footers.repairs.isEmpty && !planned.changesSomething)
        #expect(planned.footers.refused.allSatisfy { $0.reason == ArchiveConfig.unknownRepositoryMessage })
        #expect(ArchiveConfig.unknownRepositoryMessage.contains("sharemark init --owner OWNER --repository REPOSITORY"))
        let json = String(decoding: try JSONCoding.sortedEncoder.encode(try index.allArticles()), as: UTF8.self)
        #expect(!json.contains("github.com") && !json.contains("jsdelivr"))
    }

    @Test func orphansAreRemovedOnlyWhenAsked() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.png(a.page("world/n1.md") + ".png", payload: Self.m("pages/world/n1.md"))
        try a.png("pages/world/gone.md.png", payload: Self.m("pages/world/gone.md"))
        #expect(try plan(a).1.orphans.isEmpty)
        let index = try a.index()
        let planned = try FixPlan.make(index: index, removeOrphans: true, jobs: 2)
        #expect(planned.orphans.map(\.path.value) == ["pages/world/gone.md.png"])
        #expect(planned.entries.map(\.page) == ["pages/world/gone.md.png"])
        _ = try Fixer(archive: a.root, jobs: 2).run(planned, index: index)
        #expect(!a.exists("pages/world/gone.md.png") && a.exists("pages/world/n1.md.png"))
    }
}
