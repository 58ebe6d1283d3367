import Foundation
import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import SharemarkTestSupport
import Testing

@Suite struct RegenerationTests {
    @Test func planListsWhatEachModeWritesAndWhy() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let missing = try a.plan(.missing)
        // The page whose image link leaves the archive gets its own PNG: the asset comes from
        // the page's path, never from the link.
        #expect(missing.items.map(\.asset.value) == ["pages/china/missing.md.png", "pages/china/outside.md.png"])
        #expect(missing.items.first?.reason == .missing)
        #expect(missing.items.first?.payload == TestArchive.mirrorURL("pages/china/missing.md"))
        #expect(missing.pagesWithoutFooter == 1)
        #expect(missing.unplannable.isEmpty)

        let stale = try a.plan(.stale)
        let reasons = Dictionary(uniqueKeysWithValues: stale.items.map { ($0.asset.value, $0.reason) })
        #expect(Set(reasons.keys) == ["pages/china/missing.md.png", "pages/china/notpng.md.png", "pages/china/wrong.md.png",
                                      "pages/china/wrongodd.md.png", "pages/china/blank.md.png", "pages/china/outside.md.png"])
        #expect(reasons["pages/china/missing.md.png"] == .missing)
        #expect(reasons["pages/china/outside.md.png"] == .missing)
        for (asset, reason) in reasons where asset != "pages/china/missing.md.png" && asset != "pages/china/outside.md.png" {
            guard case .stale = reason else { Issue.record("\(asset): \(reason)"); continue }
        }
        // The printed URL is the payload, also for an alias page and a page whose link differs.
        #expect(stale.alreadyCorrect == 7)

        let all = try a.plan(.all)
        #expect(all.items.count == 13)
        #expect(all.items.filter { $0.reason == .forced }.count == 11)
    }

    /// A plan made with an earlier plan's checks takes them as found, PNG by PNG and payload by
    /// payload, instead of reading the PNG again; a PNG checked against another payload is read.
    /// A plan built a page at a time from the index, as `regen` builds it, is the plan built
    /// from all pages at once, in every mode.
    @Test(arguments: RegenerationMode.allCases)
    func planBuiltInBatchesIsThePlanOfAllPages(mode: RegenerationMode) throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let whole = try a.plan(mode)
        let index = try a.index()
        var batches = 0
        let builder = try index.pass(size: 1, start: { overview in
            RegenerationPlan.Builder(assets: overview.assets, archive: a.root, mode: mode, jobs: 2)
        }, batch: { builder, batch in
            #expect(batch.count == 1)
            batches += 1
            builder.add(batch)
        })
        #expect(batches == 14)  // the faulty archive's pages
        let batched = builder.plan()
        #expect(batched == whole)
        #expect(!batched.items.isEmpty)
    }

    @Test func anEarlierPlansChecksAreTakenNotRepeated() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let first = try a.plan(.stale)
        let good = try #require(first.checked.first { if case .matches = $0.value { true } else { false } }?.key)
        #expect(first.checked.count == 11, "every existing PNG of a page with a usable footer: \(first.checked.count)")
        // The file is broken now; taken from the first plan, it still counts as it was found.
        try a.write("not a png any more", to: good.asset.value)
        let index = try a.index()
        let reused = RegenerationPlan.make(articles: try index.allArticles(), assets: try index.allAssets(), archive: a.root,
                                           mode: .stale, jobs: 2, checked: first.checked)
        #expect(reused.items == first.items && reused.alreadyCorrect == first.alreadyCorrect)
        #expect(reused.checked == first.checked)
        // Read afresh (no earlier checks, or checks against another payload): it is stale.
        var otherPayloads = first.checked
        otherPayloads[good] = nil
        otherPayloads[RegenerationPlan.CheckedAsset(asset: good.asset, payload: good.payload + "x")] = .matches(.grid)
        for known in [[:], otherPayloads] {
            let fresh = RegenerationPlan.make(articles: try index.allArticles(), assets: try index.allAssets(), archive: a.root,
                                              mode: .stale, jobs: 2, checked: known)
            let item = try #require(fresh.items.first { $0.asset == good.asset })
            #expect(item.reason == .stale("not a readable PNG: not a PNG image (the PNG signature is missing)"))
            #expect(fresh.alreadyCorrect == first.alreadyCorrect - 1)
        }
    }

    @Test func staleRegenerationLeavesOnlyWhatNeedsThePagesEdited() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let summary = try a.regen(.stale)
        #expect(summary.written == 6)
        #expect(summary.failures.isEmpty)
        let after = try a.verify()
        #expect(Set(after.findings.map(\.kind)) == [.assetOutsideArchive, .mirrorURLMismatch, .aliasMirrorURL,
                                                    .imageURLOtherForm, .orphanAsset, .footerMissing])
        // What is left needs the footers rewritten, which regen does not do.
        #expect(after.findings.allSatisfy { $0.kind.repair.map { $0 == .fixFooters || $0 == .removeOrphans } ?? false })
        #expect(try a.plan(.stale).items.isEmpty)
    }

    /// Every file of the archive (the index's folder aside) by path, with its bytes.
    static func files(of a: TestArchive) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: a.root))
        for case let path as String in enumerator where !path.hasPrefix(".sharemark") {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: a.root + "/" + path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            files[path] = try Data(contentsOf: URL(fileURLWithPath: a.root + "/" + path))
        }
        return files
    }

    /// In each mode, regen writes exactly the PNGs of its plan (each a page's own
    /// `<page>.md.png`), and every other file keeps its bytes; nothing is removed.
    @Test(arguments: RegenerationMode.allCases)
    func regenWritesThePlannedPNGsAndNothingElse(mode: RegenerationMode) throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let planned = Set(try a.plan(mode).items.map(\.asset.value))
        #expect(planned.allSatisfy { $0.hasSuffix(".md.png") && a.exists(String($0.dropLast(4))) })
        let before = try Self.files(of: a)
        let summary = try a.regen(mode)
        #expect(summary.written == planned.count && summary.failures.isEmpty)
        let after = try Self.files(of: a)
        #expect(Set(before.keys).isSubset(of: after.keys), "a file was removed")
        let changed = Set(after.keys.filter { before[$0] != after[$0] })
        // Regenerating an existing good PNG (`all`) writes the same bytes: the written set is
        // the plan, the changed set the part of it that was missing or wrong.
        #expect(changed.isSubset(of: planned), "changed outside the plan: \(changed.subtracting(planned).sorted())")
        #expect(planned.allSatisfy { after[$0] != nil }, "a planned PNG is missing")
        let expectedChanged: Set<String> = switch mode {
        case .missing: ["pages/china/missing.md.png", "pages/china/outside.md.png"]
        default: ["pages/china/missing.md.png", "pages/china/outside.md.png", "pages/china/notpng.md.png",
                  "pages/china/wrong.md.png", "pages/china/wrongodd.md.png", "pages/china/blank.md.png"]
        }
        #expect(changed.isSuperset(of: expectedChanged), "\(changed.sorted())")
    }

    @Test func regeneratedImagesMatchQrencodeAndZbar() throws {
        let a = try TestArchive()
        defer { a.remove() }
        var pages: [String] = []
        for i in 0..<12 { pages.append(try a.page("world/n\(1000 + i).md")) }
        pages.append(try a.page("culture/alias.md", repository: "old-mirror"))
        try a.write("junk", to: "pages/world/n1000.md.png")
        let summary = try a.regen(.stale)
        #expect(summary.written == 13 && summary.succeeded)
        #expect(try a.verify().errors.isEmpty)
        let oracle = NSTemporaryDirectory() + "sharemark-oracle-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: oracle) }
        for page in pages {
            let url = page.hasSuffix("alias.md") ? TestArchive.mirrorURL(page, repository: "old-mirror") : TestArchive.mirrorURL(page)
            let png = a.root + "/" + page + ".png"
            let decoded = try Run.run(["zbarimg", "--raw", "-q", png])
            #expect(decoded.status == 0)
            #expect(decoded.out == url + "\n")
            #expect(try Run.run(["qrencode", "-s", "4", "-o", oracle, url]).status == 0)
            let expected = try PNGImage(pngBytes: Array(try Data(contentsOf: URL(fileURLWithPath: oracle))))
            let actual = try PNGImage(pngBytes: try a.bytes(page + ".png"))
            #expect(actual == expected, "\(page) differs from qrencode's image")
        }
    }

    @Test func shardsSplitPlansAndReportsWithoutOverlapOrGap() throws {
        let a = try TestArchive()
        defer { a.remove() }
        for i in 0..<60 { try a.page("c\(i % 4)/n\(i).md") }
        try a.png("pages/c1/orphan.md.png", payload: "https://example.com/")
        let whole = try a.plan(.missing)
        #expect(whole.items.count == 60)
        for count in [1, 2, 3, 5] {
            var seen: [String] = []
            var findings: [Finding] = []
            for i in 1...count {
                let shard = try Shard(parsing: "\(i)/\(count)")
                seen += try a.plan(.missing, shard: shard).items.map(\.asset.value)
                findings += try a.verify(shard: shard).findings
            }
            #expect(seen.count == Set(seen).count, "overlap with \(count) shards")
            #expect(Set(seen) == Set(whole.items.map(\.asset.value)), "gap with \(count) shards")
            let wholeReport = try a.verify()
            #expect(findings.count == wholeReport.findings.count)
            #expect(Set(findings) == Set(wholeReport.findings))
        }
    }

    @Test func leftoverTemporaryFilesAreRemoved() throws {
        let a = try TestArchive()
        defer { a.remove() }
        let page = try a.page("world/n1.md")
        try a.write("half", to: page + ".png" + AtomicFile.temporaryMarker + "999-1")
        let removed = Regenerator.removeLeftovers(archive: a.root, pages: [try ArchivePath(page)])
        #expect(removed == [page + ".png" + AtomicFile.temporaryMarker + "999-1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.root + "/pages/world").sorted() == ["n1.md"])
    }

    @Test func secondLockIsRefusedWithTheHoldersPidOrWaits() throws {
        let a = try TestArchive()
        defer { a.remove() }
        let first = try RegenLock(archive: a.root, wait: false)
        do {
            _ = try RegenLock(archive: a.root, wait: false)
            Issue.record("a second lock was granted")
        } catch let held as RegenLock.Held {
            #expect(held.pid == getpid())
            #expect(held.description.contains("pid \(getpid())"))
        }
        let released = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { first.release() }
        let second = try RegenLock(archive: a.root, wait: true)
        #expect(Date().timeIntervalSince(released) >= 0.25)
        second.release()
    }
}
