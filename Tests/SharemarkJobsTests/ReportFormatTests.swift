import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SharemarkJobs
import Testing

@Suite struct ReportFormatTests {
    @Test func githubAnnotationsPointAtTheFooterLine() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let lines = try a.verify().render(.github).split(separator: "\n").map(String.init)
        let base = a.root
        #expect(lines.contains { $0.hasPrefix("::error file=\(base)/pages/china/missing.md,line=\(TestArchive.imageLine),title=sharemark asset-missing::") })
        #expect(lines.contains { $0.hasPrefix("::warning file=\(base)/pages/culture/alias.md,line=\(TestArchive.mirrorLine),title=sharemark alias-mirror-url::") })
        #expect(lines.contains { $0.hasPrefix("::warning file=\(base)/pages/culture/orphan.md.png,title=sharemark orphan-asset::") })
        #expect(lines.filter { $0.hasPrefix("::error ") }.count == 8)
        #expect(lines.filter { $0.hasPrefix("::warning ") }.count == 4)
        #expect(lines.last == "sharemark verify: 14 pages, 8 errors, 4 warnings; repair: sharemark fix --remove-orphans \(base)")
    }

    @Test func githubAnnotationsAreCappedPerKindAndTheRestCounted() throws {
        let findings = (0..<25).map { Finding(kind: .assetMissing, file: "pages/a/n\($0).md", line: 9, message: "gone") }
            + (0..<3).map { Finding(kind: .aliasMirrorURL, file: "pages/b/n\($0).md", line: 7, message: "old") }
        var report = Report(archive: ".", shard: .whole, findings: findings)
        report.pagesChecked = 28
        let lines = report.render(.github, maxAnnotations: 10).split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("::error ") }.count == 10)
        #expect(lines.filter { $0.hasPrefix("::warning ") }.count == 3)
        #expect(lines.contains("::notice title=sharemark::15 more not annotated (at most 10 per kind): 15 asset-missing"))
        #expect(report.render(.github, maxAnnotations: 0).split(separator: "\n").filter { $0.hasPrefix("::error") }.isEmpty)

        let summary = report.stepSummary(maxPerKind: 2)
        #expect(summary.contains("| `asset-missing` | error | 25 |"))
        #expect(summary.contains("| `alias-mirror-url` | warning | 3 |"))
        #expect(summary.contains("**asset-missing** (first 2 of 25)"))
        #expect(summary.contains("- `pages/a/n0.md:9` gone"))
        #expect(!summary.contains("pages/a/n2.md"))  // sorted: n0, n1, n10…: the first two only
        #expect(summary.contains("Repair: `sharemark fix .`"))
    }

    /// A message is one table-safe Markdown line: its line breaks are spaces, its markup is
    /// escaped (so a title in a page cannot add HTML to the summary), its pipes are escaped.
    @Test func stepSummaryMessagesAreOneEscapedLine() {
        let findings = [Finding(kind: .assetMissing, file: "pages/a/b.md", line: 3,
                                message: "a|b <img src=x> & \"q\"\r\nnext\nline")]
        var report = Report(archive: ".", shard: .whole, findings: findings)
        report.pagesChecked = 1
        #expect(report.stepSummary(maxPerKind: 2).contains(
            "\n- `pages/a/b.md:3` a\\|b &lt;img src=x&gt; &amp; &quot;q&quot; next line Repair: sharemark regen.\n"))
    }

    /// With no repository to write footers under, the repair first names it.
    @Test func repairOfMissingFootersStartsWithInitWhenTheRepositoryIsUnknown() {
        var report = Report(archive: "my archive", shard: .whole,
                            findings: [Finding(kind: .footerMissing, file: "pages/a/b.md", line: nil, message: "no footer")])
        #expect(report.repairCommand == "sharemark fix 'my archive'")
        report.repositoryKnown = false
        #expect(report.repairCommand == "sharemark init --owner OWNER --repository REPOSITORY 'my archive' && sharemark fix 'my archive'")
        #expect(report.text.hasSuffix("\n  sharemark init --owner OWNER --repository REPOSITORY 'my archive' && sharemark fix 'my archive'"))
    }

    @Test func githubPathsAreRelativeToTheRepositoryForTheCurrentFolder() {
        var report = Report(archive: ".", shard: .whole,
                            findings: [Finding(kind: .assetMissing, file: "pages/a/b.md", line: 3, message: "50% gone,\nreally")])
        report.pagesChecked = 1
        let first = report.render(.github).split(separator: "\n").first.map(String.init)
        #expect(first == "::error file=pages/a/b.md,line=3,title=sharemark asset-missing::50%25 gone,%0Areally Repair: sharemark regen.")
    }

    @Test func junitIsWellFormedXMLWithAFailurePerError() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let xml = try a.verify().render(.junit)
        let counter = JUnitCounter()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.failures == 8)
        #expect(counter.failureTypes.contains("payload-mismatch"))
        #expect(counter.testcases == 15)  // 13 pages with a footer, the page without and the orphan PNG
    }

    @Test func jsonHasCountsRepairCommandAndFindings() throws {
        let a = try faultyArchive()
        defer { a.remove() }
        let object = try JSONSerialization.jsonObject(with: Data(try a.verify().render(.json).utf8)) as? [String: Any]
        #expect(object?["errors"] as? Int == 8)
        #expect(object?["warnings"] as? Int == 4)
        #expect(object?["pagesChecked"] as? Int == 14)
        #expect(object?["repairCommand"] as? String == "sharemark fix --remove-orphans \(a.root)")
        let findings = object?["findings"] as? [[String: Any]] ?? []
        #expect(findings.count == 12)
        let missing = findings.first { $0["kind"] as? String == "asset-missing" }
        #expect(missing?["file"] as? String == "pages/china/missing.md")
        #expect(missing?["line"] as? Int == TestArchive.imageLine)
        #expect(missing?["severity"] as? String == "error")
        #expect(missing?["repair"] as? String == "sharemark regen")
        #expect(findings.first { $0["kind"] as? String == "payload-mismatch" }?["decidedBy"] as? String == "zbar")
    }
}

final class JUnitCounter: NSObject, XMLParserDelegate {
    var failures = 0
    var testcases = 0
    var failureTypes: [String] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "failure" { failures += 1; failureTypes.append(attributes["type"] ?? "") }
        if name == "testcase" { testcases += 1 }
    }
}
