import Foundation
import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import Testing

/// An archive with one page per kind of fault, plus correct pages of both geometries.
func faultyArchive() throws -> TestArchive {
    let a = try TestArchive()
    let m = { (page: String, repository: String) in TestArchive.mirrorURL(page, repository: repository) }
    // Correct pages: our renderer, another scale, another geometry (zbar path), CRLF.
    try a.png(a.page("world/n1.md") + ".png", payload: m("pages/world/n1.md", "mirror"))
    try a.png(a.page("world/n2.md") + ".png", payload: m("pages/world/n2.md", "mirror"), scale: 6)
    try a.write(oddGeometryPNG(payload: m("pages/world/n3.md", "mirror")), to: a.page("world/n3.md") + ".png")
    try a.png(a.page("world/n4.md", crlf: true) + ".png", payload: m("pages/world/n4.md", "mirror"))
    // A page without footer.
    try a.page("world/painting.md", footer: false)
    // Errors.
    try a.page("china/missing.md")
    try a.write("<html>not a png</html>", to: a.page("china/notpng.md") + ".png")
    try a.png(a.page("china/wrong.md") + ".png", payload: m("pages/china/other.md", "mirror"))
    try a.write(oddGeometryPNG(payload: m("pages/china/other.md", "mirror")), to: a.page("china/wrongodd.md") + ".png")
    try a.write(blankPNG(), to: a.page("china/blank.md") + ".png")
    try a.page("china/outside.md", image: TestArchive.cdnURL("pages/../../outside.png"))
    try a.png(a.page("china/disagree.md", linked: m("pages/china/elsewhere.md", "mirror")) + ".png",
              payload: m("pages/china/disagree.md", "mirror"))
    // Warnings.
    try a.png(a.page("culture/alias.md", repository: "old-mirror") + ".png",
              payload: m("pages/culture/alias.md", "old-mirror"))
    try a.png(a.page("culture/legacy.md", image: m("pages/culture/legacy.md.png", "mirror")) + ".png",
              payload: m("pages/culture/legacy.md", "mirror"))
    try a.png("pages/culture/orphan.md.png", payload: m("pages/culture/orphan.md", "mirror"))
    return a
}

struct Expected: Hashable, CustomStringConvertible {
    var file: String, line: Int?, severity: Finding.Severity, kind: Finding.Kind
    var description: String { "\(file):\(line ?? 0) \(severity) \(kind.rawValue)" }
}

let expectedFaults: Set<Expected> = [
    Expected(file: "pages/china/missing.md", line: TestArchive.imageLine, severity: .error, kind: .assetMissing),
    Expected(file: "pages/china/notpng.md", line: TestArchive.imageLine, severity: .error, kind: .assetNotPNG),
    Expected(file: "pages/china/wrong.md", line: TestArchive.imageLine, severity: .error, kind: .payloadMismatch),
    Expected(file: "pages/china/wrongodd.md", line: TestArchive.imageLine, severity: .error, kind: .payloadMismatch),
    Expected(file: "pages/china/blank.md", line: TestArchive.imageLine, severity: .error, kind: .qrNotFound),
    Expected(file: "pages/china/outside.md", line: TestArchive.imageLine, severity: .error, kind: .assetOutsideArchive),
    // Its own asset, `<page>.png`, is checked whatever the link names: it was never made.
    Expected(file: "pages/china/outside.md", line: TestArchive.imageLine, severity: .error, kind: .assetMissing),
    Expected(file: "pages/china/disagree.md", line: TestArchive.mirrorLine, severity: .error, kind: .mirrorURLMismatch),
    Expected(file: "pages/culture/alias.md", line: TestArchive.mirrorLine, severity: .warning, kind: .aliasMirrorURL),
    Expected(file: "pages/culture/legacy.md", line: TestArchive.imageLine, severity: .warning, kind: .imageURLOtherForm),
    Expected(file: "pages/world/painting.md", line: nil, severity: .warning, kind: .footerMissing),
    Expected(file: "pages/culture/orphan.md.png", line: nil, severity: .warning, kind: .orphanAsset),
]

@Suite struct VerifierTests {
    /// Whole, and a page or a few at a time: the orphan, found only once every page has been
    /// seen, and every page's findings are the same whatever the batches.
    @Test(arguments: [2048, 1, 5])
    func everyPlantedFaultIsFoundAndNothingElse(batchSize: Int) throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let report = try a.verify(batchSize: batchSize)
        let found = Set(report.findings.map { Expected(file: $0.file, line: $0.line, severity: $0.severity, kind: $0.kind) })
        #expect(found == expectedFaults, "\(report.text)")
        #expect(report.findings.count == expectedFaults.count)
        #expect(report.pagesChecked == 14)
        #expect(report.findings.first { $0.kind == .imageURLOtherForm }?.message
                == "the QR image URL is of the blob form; this archive links QR images in the cdn form: "
                    + TestArchive.cdnURL("pages/culture/legacy.md.png"))
        #expect(report.pagesWithFooter == 13)
        #expect(report.exitCode(strict: false) == 1)
    }

    @Test func decodingFindingsNameTheirDecoder() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let report = try a.verify()
        let byFile = Dictionary(grouping: report.findings, by: \.file).mapValues { $0[0] }
        // Our geometry of another payload: the grid differs, zbar reads what it holds.
        #expect(byFile["pages/china/wrong.md"]?.decidedBy == .zbar)
        #expect(byFile["pages/china/wrong.md"]?.message.contains("pages/china/other.md") == true)
        #expect(byFile["pages/china/wrongodd.md"]?.decidedBy == .zbar)
        #expect(byFile["pages/china/blank.md"]?.decidedBy == .zbar)
        #expect(byFile["pages/china/missing.md"]?.decidedBy == nil)
    }

    @Test func assetCheckUsesTheGridForOurGeometryAndZbarForOthers() throws {
        let url = TestArchive.mirrorURL("pages/world/n1.md")
        let ours = try QROptions().png(for: url)
        #expect(AssetCheck.check(pngBytes: ours, payload: url) == .matches(.grid))
        #expect(AssetCheck.check(pngBytes: try oddGeometryPNG(payload: url), payload: url) == .matches(.zbar))
        #expect(AssetCheck.check(pngBytes: blankPNG(), payload: url) == .noQRCode)
        if case .notPNG = AssetCheck.check(pngBytes: Array("GIF89a".utf8), payload: url) {} else { Issue.record("not a PNG expected") }
    }

    @Test func repairCommandIsTheOneThatRepairsEveryFinding() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let report = try a.verify()
        // Footers to rewrite and an orphan: fix repairs those and the PNGs.
        #expect(report.repairCommand == "sharemark fix --remove-orphans \(a.root)")
        #expect(report.text.hasSuffix("  sharemark fix --remove-orphans \(a.root)"))
        let byFile = Dictionary(grouping: report.findings, by: \.file)
        #expect(byFile["pages/china/missing.md"]?.first?.repair == "sharemark regen")
        #expect(byFile["pages/china/wrong.md"]?.first?.repair == "sharemark regen --stale")
        #expect(byFile["pages/culture/legacy.md"]?.first?.repair == "sharemark fix")
        #expect(byFile["pages/china/outside.md"]?.first { $0.kind == .assetOutsideArchive }?.repair == "sharemark fix")
        #expect(byFile["pages/culture/orphan.md.png"]?.first?.repair == "sharemark fix --remove-orphans")

        let stale = try TestArchive()
        defer { stale.remove() }
        try stale.png(stale.page("world/n1.md") + ".png", payload: TestArchive.mirrorURL("pages/world/n2.md"))
        #expect(try stale.verify().repairCommand == "sharemark regen --stale \(stale.root)")

        let b = try TestArchive()
        defer { b.remove() }
        try b.page("world/n1.md")
        #expect(try b.verify().repairCommand == "sharemark regen \(b.root)")
        _ = try b.regen(.missing)
        let clean = try b.verify()
        #expect(clean.findings.isEmpty)
        #expect(clean.repairCommand == nil)
        #expect(clean.text.hasSuffix("nothing needs repair"))
        #expect(clean.exitCode(strict: true) == 0)
    }

    @Test func warningsFailOnlyWhenStrict() throws {
        let a = try TestArchive()
        defer { a.remove() }
        let m = { (page: String, repository: String) in TestArchive.mirrorURL(page, repository: repository) }
        try a.png(a.page("culture/alias.md", repository: "old-mirror") + ".png",
                  payload: m("pages/culture/alias.md", "old-mirror"))
        let report = try a.verify()
        #expect(report.errors.isEmpty && report.warnings.count == 1)
        #expect(report.exitCode(strict: false) == 0)
        #expect(report.exitCode(strict: true) == 1)
    }
}
