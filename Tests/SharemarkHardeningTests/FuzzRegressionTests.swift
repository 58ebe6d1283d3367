import Foundation
import Testing
@testable import SharemarkArchive
@testable import SharemarkQR

/// Inputs that once failed under Scripts/fuzz.sh, kept as they were found
/// (Fixtures/fuzz-<target>/), each run through the same checks as the fuzz entry point.
@Suite struct FuzzRegressionTests {
    @Test(arguments: try Hardening.fixtureFiles("fuzz-config"))
    func configRendersToTextThatReadsBack(_ file: URL) throws {
        let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
        let fallback = ArchiveConfig(owner: "example-org", repository: "mirror")
        guard let config = try? ArchiveConfig(parsing: text, file: file.lastPathComponent, fallback: fallback) else { return }
        let again = try ArchiveConfig(parsing: config.render(), file: "rendered.toml", fallback: fallback)
        #expect(again.mirrorForm.text == config.mirrorForm.text && again.cdnForm.text == config.cdnForm.text)
        #expect(again.owner == config.owner && again.repository == config.repository && again.branch == config.branch)
        #expect(again.aliases == config.aliases && again.pagesFolder == config.pagesFolder && again.qr == config.qr)
    }

    /// The first finding: a URL form with a newline (written `\n`) rendered as a raw line break.
    @Test func controlCharactersInValuesAreEscapedWhenRendered() throws {
        let fallback = ArchiveConfig(owner: "example-org", repository: "mirror")
        let config = try ArchiveConfig(parsing: #"""
            mirror_url = "https://github.com/{owner}/{repository}/blob/{branch}/{path}\n\t\u0001\u007F\"\\"
            aliases = ["a\nb", "c\rd"]
            """#, fallback: fallback)
        let rendered = config.render()
        #expect(!rendered.contains("\u{1}") && !rendered.contains("\u{7F}"))
        let again = try ArchiveConfig(parsing: rendered, fallback: fallback)
        #expect(again.mirrorForm.text == config.mirrorForm.text)
        #expect(again.aliases == ["a\nb", "c\rd"])
    }
}
