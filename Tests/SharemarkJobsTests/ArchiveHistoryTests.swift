import Foundation
import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import Testing

/// Real histories are not faults: an image link form moved over the years, a page copied from a
/// sibling archive, a footer cut after its rule.
@Suite struct ArchiveHistoryTests {
    /// `blob` of `total` pages link their image in the blob form, the rest in the CDN form; each
    /// page has its correct PNG.
    func archive(blob: Int, total: Int) throws -> TestArchive {
        let a = try TestArchive()
        for i in 0..<total {
            let page = "pages/world/n\(i).md"
            let image = i < blob ? TestArchive.mirrorURL(page + ".png") : TestArchive.cdnURL(page + ".png")
            try a.png(a.page("world/n\(i).md", image: image) + ".png", payload: TestArchive.mirrorURL(page))
        }
        return a
    }

    @Test func aLargeShareOfEachFormIsOneNoteNotAWarningPerPage() throws {
        let a = try archive(blob: 6, total: 20)
        defer { a.remove() }
        let report = try a.verify()
        #expect(report.findings.isEmpty, "\(report.text)")
        #expect(report.notes == ["image links: 14 footers use the CDN form, 6 the blob form (both over 10%: the archive's history, "
                                 + "not reported per page); to unify them: sharemark fix --image-url cdn \(a.root)"])
        #expect(report.text.contains(report.notes[0]))
        #expect(report.json.contains("\"notes\""))
    }

    @Test func aSmallMinorityFormIsWarnedPerPage() throws {
        let a = try archive(blob: 2, total: 20)
        defer { a.remove() }
        let report = try a.verify()
        #expect(report.notes.isEmpty)
        #expect(report.findings.map(\.kind) == [.imageURLOtherForm, .imageURLOtherForm])
        #expect(Set(report.findings.map(\.file)) == ["pages/world/n0.md", "pages/world/n1.md"])
    }

    @Test func aPageCopiedFromASiblingArchiveIsNamedAsSuch() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.png(a.page("world/n1.md") + ".png", payload: TestArchive.mirrorURL("pages/world/n1.md"))
        let sibling = "https://github.com/sibling-org/news/blob/master/pages/world/n2.md"
        try a.png(a.page("world/n2.md", printed: sibling, linked: sibling,
                         image: "https://cdn.jsdelivr.net/gh/sibling-org/news/pages/world/n2.md.png") + ".png", payload: sibling)
        // An old name of this archive's own repository stays an alias.
        try a.png(a.page("world/n3.md", repository: "old-mirror") + ".png",
                  payload: TestArchive.mirrorURL("pages/world/n3.md", repository: "old-mirror"))
        let report = try a.verify()
        let byFile = Dictionary(grouping: report.findings, by: \.file)
        #expect(byFile["pages/world/n2.md"]?.map(\.kind) == [.otherArchiveURL])
        #expect(byFile["pages/world/n2.md"]?.first?.message.hasPrefix("the footer names another archive, sibling-org/news") == true)
        #expect(byFile["pages/world/n3.md"]?.map(\.kind) == [.aliasMirrorURL])
        #expect(byFile["pages/world/n1.md"] == nil)
        // fix names it so too, and moves the page to this archive's URLs.
        let index = try a.index()
        let plan = try FixPlan.make(index: index, jobs: 2)
        let repair = try #require(plan.footers.repairs.first { $0.page.value == "pages/world/n2.md" })
        #expect(repair.changes.first?.kind == .otherArchiveURL)
    }

    @Test func aFooterPutBackAfterTheRuleThePageKeptAddsNoSecondRule() throws {
        let a = try TestArchive()
        defer { a.remove() }
        // The archive's style (standard, with its rule) from two pages; a third lost its footer
        // but kept the rule.
        for n in 1...2 { try a.png(a.page("world/n\(n).md") + ".png", payload: TestArchive.mirrorURL("pages/world/n\(n).md")) }
        try a.write("### Cut\n------------------------\n\n<div><p>Body text.</p></div>\n<hr/>\n------------------------\n",
                    to: "pages/world/cut.md")
        let index = try a.index()
        let summary = try Fixer(archive: a.root, jobs: 2).run(try FixPlan.make(index: index, jobs: 2), index: index)
        #expect(summary.pagesRewritten == ["pages/world/cut.md"], "\(summary.text)")
        let page = String(decoding: try a.bytes("pages/world/cut.md"), as: UTF8.self)
        let m = TestArchive.mirrorURL("pages/world/cut.md")
        #expect(page == """
            ### Cut
            ------------------------

            <div><p>Body text.</p></div>
            <hr/>
            手机上长按并复制下列链接或二维码分享本文章：<br/>
            \(m) <br/>
            <a href='\(m)'><img src='\(TestArchive.cdnURL("pages/world/cut.md.png"))'/></a> <br/>
            ------------------------

            """)
        #expect(page.components(separatedBy: "<hr/>").count == 2)
    }
}
