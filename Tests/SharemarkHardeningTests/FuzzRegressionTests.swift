import Foundation
import Testing
@testable import SharemarkArchive
@testable import SharemarkQR

/// Inputs that once failed under Scripts/fuzz.sh, kept as they were found
/// (Fixtures/fuzz-<target>/), each run through the same checks as the fuzz entry point.
@Suite struct FuzzRegressionTests {
    /// Fixtures that TOML 1.0 refuses (raw control characters inside a string), with the error
    /// each must give. Every other fixture must parse.
    static let refusedConfigs = [
        "render-control-characters.toml":
            "render-control-characters.toml:1: key 'mirror_url': control character U+0008 in a string (TOML allows only tab; write it as \\u0008)",
        "render-nul-and-invalid-utf8.toml":
            "render-nul-and-invalid-utf8.toml:1: key 'mirror_url': control character U+0000 in a string (TOML allows only tab; write it as \\u0000)",
    ]

    @Test(arguments: try Hardening.fixtureFiles("fuzz-config"))
    func configRendersToTextThatReadsBack(_ file: URL) throws {
        let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
        let fallback = ArchiveConfig(owner: "example-org", repository: "mirror")
        if let refusal = Self.refusedConfigs[file.lastPathComponent] {
            let error = #expect(throws: ConfigFile.Error.self) {
                try ArchiveConfig(parsing: text, file: file.lastPathComponent, fallback: fallback)
            }
            #expect(error?.description == refusal)
            return
        }
        // Each other fixture parsed when it was found: one that stops parsing fails here (replace
        // it, or add it to refusedConfigs), it does not pass without checking anything.
        let config: ArchiveConfig
        do {
            config = try ArchiveConfig(parsing: text, file: file.lastPathComponent, fallback: fallback)
        } catch {
            Issue.record("\(file.lastPathComponent) no longer parses: \(error)")
            return
        }
        let again = try ArchiveConfig(parsing: config.render(), file: "rendered.toml", fallback: fallback)
        #expect(again.mirrorForm.text == config.mirrorForm.text && again.cdnForm.text == config.cdnForm.text)
        #expect(again.owner == config.owner && again.repository == config.repository && again.branch == config.branch)
        #expect(again.aliases == config.aliases && again.pagesFolder == config.pagesFolder && again.qr == config.qr)
    }

    @Test func everyRefusedConfigIsAFixture() throws {
        let names = Set(try Hardening.fixtureFiles("fuzz-config").map(\.lastPathComponent))
        #expect(Set(Self.refusedConfigs.keys).subtracting(names).isEmpty)
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

/// Pages around inputs that trapped the parser under Scripts/fuzz.sh page (Fixtures/fuzz-page/),
/// run through the fuzz entry point's checks, and the trap itself pinned at the function that had it.
@Suite struct PageFuzzRegressionTests {
    @Test(arguments: try Hardening.fixtureFiles("fuzz-page"))
    func pageParsesWithLinesInsideThePage(_ file: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: file))
        let page = bytes.withUnsafeBufferPointer { PageParser().parse($0) }
        let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        if let footer = page.footer {
            #expect((1...lines).contains(footer.linkLine) && (1...lines).contains(footer.qrImageLine))
            if let line = footer.originalLine { #expect((1...lines).contains(line)) }
            if let line = footer.printedMirrorLine { #expect((1...lines).contains(line)) }
        }
    }

    /// Foundation's `range(of:)` on this Substring (a slice that ends before its string does)
    /// returned a match past the slice's end: it matches on Unicode scalars of the whole string,
    /// and the emoji, NUL and zero-width joiner make its offsets disagree with the Character view.
    /// Reading the character after that match trapped.
    @Test func occurrenceSearchStaysInsideTheSlice() throws {
        let full = "\u{1F600}da/\u{FEFF}  \u{200D}hhh\u{1F600}\u{0}hh\u{1F600}\u{0}"
        let url = "hh\u{1F600}\u{0}"
        // The whole string: the first match is followed by "h", so only the one at the end is whole.
        let whole = Substring(full)
        let range = try #require(URLOccurrence.first(of: url, in: whole))
        #expect(range.upperBound == whole.endIndex)
        #expect(whole.distance(from: whole.startIndex, to: range.lowerBound) == whole.count - 4)
        // Without its last character the slice holds no whole occurrence.
        #expect(URLOccurrence.first(of: url, in: whole.dropLast()) == nil)
    }
}
