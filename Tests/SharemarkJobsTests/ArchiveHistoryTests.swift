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

/// Links shared under an old name of the archive's repository keep resolving after `fix`
/// rewrites the footers that showed it: the name is recorded as an alias, inferred nowhere else.
@Suite struct OldNamesSurviveFixTests {
    /// An archive with no sharemark.toml: two pages under the current name, one under an old
    /// name of the same owner, one copied from another owner's archive.
    func archive() throws -> TestArchive {
        let a = try TestArchive()
        try FileManager.default.removeItem(atPath: a.root + "/sharemark.toml")
        for n in 1...2 { try a.png(a.page("world/n\(n).md") + ".png", payload: TestArchive.mirrorURL("pages/world/n\(n).md")) }
        try a.png(a.page("world/n3.md", repository: "old-mirror") + ".png",
                  payload: TestArchive.mirrorURL("pages/world/n3.md", repository: "old-mirror"))
        let sibling = "https://github.com/sibling-org/news/blob/master/pages/world/n4.md"
        try a.page("world/n4.md", printed: sibling, linked: sibling, image: "https://cdn.jsdelivr.net/gh/sibling-org/news/pages/world/n4.md.png")
        return a
    }

    @Test func fixRecordsTheOldNameAndLookupsStillFindIt() throws {
        let a = try archive()
        defer { a.remove() }
        let index = try a.index()
        #expect(index.config.aliases == ["old-mirror"])  // inferred from the one footer that shows it
        let plan = try FixPlan.make(index: index, jobs: 2)
        #expect(plan.oldRepositoryNames == ["old-mirror"])
        #expect(try plan.recordOldNames(index: index) == ["old-mirror"])
        let written = try String(contentsOfFile: a.root + "/sharemark.toml", encoding: .utf8)
        #expect(written.contains("aliases = [\"old-mirror\"]\n"))
        #expect(!written.contains("sibling"))
        _ = try Fixer(archive: a.root, jobs: 2).run(plan, index: index)
        // No footer shows the old name any more: the recorded alias alone keeps it.
        let fresh = try a.index()
        #expect(fresh.config.aliases == ["old-mirror"])
        for old in [TestArchive.mirrorURL("pages/world/n3.md", repository: "old-mirror"),
                    TestArchive.cdnURL("pages/world/n3.md.png", repository: "old-mirror")] {
            guard case .found(let article) = try fresh.lookup(old) else { Issue.record("\(old) not found"); continue }
            #expect(article.pagePath.value == "pages/world/n3.md")
        }
        // The sibling's name is no alias: its URL finds nothing here.
        #expect(try fresh.lookup("https://github.com/sibling-org/news/blob/master/pages/world/n4.md") == .notFound)
        // A second run records nothing more and keeps the file as it is.
        #expect(try FixPlan.make(index: fresh, jobs: 2).recordOldNames(index: fresh) == nil)
        #expect(try String(contentsOfFile: a.root + "/sharemark.toml", encoding: .utf8) == written)
    }

    @Test func aliasesAreAddedToAFileKeepingEveryOtherByte() throws {
        let a = try archive()
        defer { a.remove() }
        let original = "# ours\n\"owner\" = \"example-org\"   # quoted key\nrepository = 'mirror'\n\n[qr]\nscale = 4\n"
        try a.write(original, to: "sharemark.toml")
        let index = try a.index()
        #expect(try FixPlan.make(index: index, jobs: 2).recordOldNames(index: index) == ["old-mirror"])
        #expect(try String(contentsOfFile: a.root + "/sharemark.toml", encoding: .utf8)
                == "# ours\naliases = [\"old-mirror\"]\n\"owner\" = \"example-org\"   # quoted key\nrepository = 'mirror'\n\n[qr]\nscale = 4\n")
    }
}
