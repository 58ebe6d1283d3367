import Foundation
import SharemarkArchive
import SharemarkJobs
import Testing

/// Cases the mutation pass (Scripts/mutate.py) found untested: each test fails when the
/// statement or comparison it names is dropped or flipped.
@Suite struct EdgeCaseTests {
    /// A PNG the index knows as a file but that is a link when the stale check reads it (swapped
    /// between the update and the plan) is not replaced: it is left to people, with its page.
    @Test func stalePlanLeavesALinkWhereThePNGBelongsToPeople() throws {
        let a = try TestArchive()
        defer { a.remove() }
        let page = try a.page("world/n1.md")
        try a.png(page + ".png", payload: "https://example.com/other")
        let index = try a.index()
        let assets = try index.allAssets()
        #expect(assets.map(\.path.value) == [page + ".png"])
        try FileManager.default.removeItem(atPath: a.root + "/" + page + ".png")
        try FileManager.default.createSymbolicLink(atPath: a.root + "/" + page + ".png", withDestinationPath: "../../sharemark.toml")
        let plan = RegenerationPlan.make(articles: try index.allArticles(), assets: assets, archive: a.root, mode: .stale, jobs: 2)
        #expect(plan.items.isEmpty)
        let failure = try #require(plan.unplannable.first)
        #expect(plan.unplannable.count == 1)
        #expect(failure.page == page && failure.asset == page + ".png")
        #expect(failure.reason.contains("symbolic link"), "\(failure.reason)")
    }

    /// The history note's command moves every footer to the archive's form, or, undecided, to
    /// the form most footers use; a tie goes to the CDN.
    @Test func historyNoteNamesTheFormToMoveTo() {
        #expect(ImageLinkHistory(cdn: 5, blob: 5, house: nil).note(archive: "a").hasSuffix("sharemark fix --image-url cdn a"))
        #expect(ImageLinkHistory(cdn: 4, blob: 5, house: nil).note(archive: "a").hasSuffix("sharemark fix --image-url blob a"))
        #expect(ImageLinkHistory(cdn: 9, blob: 5, house: .blob).note(archive: "a").hasSuffix("sharemark fix --image-url blob a"))
    }

    /// The repair line counts the errors no command repairs only when there are some.
    @Test func repairLineCountsTheErrorsLeftToPeopleOnlyWhenThereAreSome() {
        let missing = Finding(kind: .assetMissing, file: "pages/a/b.md", line: 8, message: "gone")
        let byHand = Finding(kind: .footerURLNotHTTP, file: "pages/a/c.md", line: 7, message: "javascript:")
        let repairable = Report(archive: "arch", shard: .whole, findings: [missing]).text.split(separator: "\n")
        #expect(repairable.suffix(2) == ["to repair them, run:", "  sharemark regen arch"])
        let mixed = Report(archive: "arch", shard: .whole, findings: [missing, byHand]).text.split(separator: "\n")
        #expect(mixed.suffix(2) == ["to repair them, run: (1 errors need the pages edited by hand)", "  sharemark regen arch"])
    }

    /// An orphan that is no longer a regular file when it is removed (a link put in its place)
    /// is kept and reported, with why; the others go.
    @Test func orphanThatBecameALinkIsKeptAndReported() throws {
        let a = try TestArchive()
        defer { a.remove() }
        try a.png("pages/world/gone.md.png", payload: "https://example.com/gone")
        try a.png("pages/world/also-gone.md.png", payload: "https://example.com/also")
        let index = try a.index()
        let orphans = OrphanAssets.find(articles: try index.allArticles(), assets: try index.allAssets())
        #expect(orphans.map(\.path.value) == ["pages/world/also-gone.md.png", "pages/world/gone.md.png"])
        try FileManager.default.removeItem(atPath: a.root + "/pages/world/gone.md.png")
        try FileManager.default.createSymbolicLink(atPath: a.root + "/pages/world/gone.md.png", withDestinationPath: "../../sharemark.toml")
        let (removed, failures) = OrphanAssets.remove(orphans, archive: a.root)
        #expect(removed == ["pages/world/also-gone.md.png"])
        let failure = try #require(failures.first)
        #expect(failures.count == 1 && failure.page == "pages/world/gone.md.png")
        #expect(failure.reason.hasPrefix("cannot remove: "), "\(failure.reason)")
        #expect(a.exists("sharemark.toml") && !a.exists("pages/world/also-gone.md.png"))
    }
}
