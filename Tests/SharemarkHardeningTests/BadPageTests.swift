import Foundation
import SharemarkTestSupport
import Testing
@testable import SharemarkArchive

/// Broken and hostile pages, through the parser and the index: each is reported with the file
/// and the problem, and the rest of the archive is indexed all the same.
@Suite struct BadPageTests {
    static let path = "pages/world/n10000001.md"
    static var good: String { Hardening.page(path) }

    func record(_ bytes: [UInt8], path: String = BadPageTests.path) -> PageRecord {
        let parts = path.split(separator: "/")
        let file = PageFile(path: try! ArchivePath(path), category: String(parts[1]),
                            id: String(parts[2].dropLast(3)), size: Int64(bytes.count), mtimeNs: 0)
        return PageRecord(file: file, page: PageParser().parse(bytes), mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
    }

    func record(_ text: String, path: String = BadPageTests.path) -> PageRecord { record(Array(text.utf8), path: path) }

    @Test func theGoodPageHasNoProblems() {
        let r = record(Self.good)
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(r.qrAsset?.value == Self.path + ".png")
    }

    /// Cut at every byte of the footer: never a crash; once the link line is whole the footer is
    /// found, and what is missing after it is named.
    @Test func truncatedMidFooter() {
        let bytes = Array(Self.good.utf8)
        let footerStart = Self.good.utf8.count - Self.good.split(separator: "<hr/>").last!.utf8.count - 5
        var sawLinkWithoutOriginal = false, sawMirrorURLWithoutLink = false
        for cut in footerStart..<bytes.count {
            let r = record(Array(bytes.prefix(cut)))
            if r.page.footer == nil, r.problems.contains(where: { $0.kind == .footerIncomplete }) {
                // Cut between the printed mirror URL and the QR link: named at the URL's line.
                sawMirrorURLWithoutLink = true
                #expect(r.problems.first { $0.kind == .footerIncomplete }?.line == r.page.unlinkedMirrorLine)
            }
            if let footer = r.page.footer {
                #expect(footer.linkedMirrorURL == Hardening.mirror + Self.path)
                if footer.originalURL == nil {
                    sawLinkWithoutOriginal = true
                    #expect(r.problems.contains { $0.message.contains("no original URL") }, "cut at \(cut)")
                }
            }
        }
        #expect(sawLinkWithoutOriginal)
        #expect(sawMirrorURLWithoutLink)
    }

    @Test func binaryDataNamedMd() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let r = record(bytes)
        #expect(r.page.invalidUTF8)
        #expect(r.problems.contains { $0.message.contains("not valid UTF-8") && $0.file == Self.path })
        #expect(r.problems.contains { $0.message.contains("'### title'") })
    }

    @Test func invalidUTF8IsFlaggedAndTheFooterStillRead() {
        var bytes = Array(Self.good.utf8)
        bytes.insert(contentsOf: [0xC3, 0x28, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xC0, 0xAF], at: 20)
        let r = record(bytes)
        #expect(r.page.invalidUTF8)
        #expect(r.problems.map(\.message) == ["not valid UTF-8 (read with replacement characters)"])
        #expect(r.page.footer?.originalURL != nil)
    }

    /// A page saved in GBK (the encoding of many Chinese pages before UTF-8): its bytes are not
    /// UTF-8, which is said; the ASCII URLs of its footer are still read.
    @Test func gbkEncodedPage() throws {
        let converted = try Run.run(["iconv", "-f", "UTF-8", "-t", "GBK"], stdin: Data(Self.good.utf8))
        #expect(converted.status == 0, "\(converted.err)")
        let bytes = Array(converted.stdout)
        #expect(bytes.count < Self.good.utf8.count)
        let r = record(bytes)
        #expect(r.page.invalidUTF8)
        #expect(r.problems.contains { $0.message.contains("not valid UTF-8") })
        #expect(r.page.footer?.linkedMirrorURL == Hardening.mirror + Self.path)
        #expect(r.qrAsset?.value == Self.path + ".png")
    }

    /// 50 MB of body before the footer: read in one linear pass (a second or two; the limit only
    /// stops a quadratic reading, which would take hours, from hanging the run).
    @Test(.timeLimit(.minutes(2))) func fiftyMegabytePage() {
        let line = Array("<p>北极理事会外长会议在城市图书馆举行，科学家发现新型材料。Lorem ipsum dolor sit amet.</p>\n".utf8)
        var bytes = Array(Self.good.utf8)
        let body = bytes.firstIndex(of: UInt8(ascii: "<"))!
        var filler: [UInt8] = []
        filler.reserveCapacity(50 << 20)
        while filler.count < 50 << 20 { filler += line }
        bytes.insert(contentsOf: filler, at: body)
        let r = record(bytes)
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(r.page.footer?.originalURL != nil)
    }

    /// One long line of links that are not the footer's (no `</a>` anywhere): the parser must
    /// stay linear in the line length, not look for the closing tag again at every `<a`.
    @Test func longLineOfUnclosedLinksStaysLinear() {
        let tag = Array("<a href='https://example.com/x'><img src='y'/> ".utf8)
        func timed(_ count: Int) -> Duration {
            var bytes = Array("### t\n".utf8)
            bytes.reserveCapacity(count * tag.count + 10)
            for _ in 0..<count { bytes += tag }
            return ContinuousClock().measure { _ = PageParser().parse(bytes) }
        }
        let small = timed(5_000), large = timed(40_000)
        // Eight times the input: linear is ~8×, quadratic ~64×.
        #expect(large < small * 30 + .milliseconds(200), "5,000 tags: \(small), 40,000 tags: \(large)")
    }

    @Test func javascriptURLsInTheFooterAreNamed() {
        let js = Self.good.replacingOccurrences(of: "<a href='https://", with: "<a href='javascript://")
        let r = record(js)
        #expect(r.problems.contains { $0.message.contains("javascript:") && $0.line == r.page.footer?.linkLine },
                "\(r.problems)")
        let jsImage = Self.good.replacingOccurrences(of: "<img src='https://", with: "<img src='javascript://")
        let r2 = record(jsImage)
        #expect(r2.problems.contains { $0.message.contains("javascript:") }, "\(r2.problems)")
        // A plain `javascript:` href is no mirror URL at all: no footer is made of it.
        let plain = Self.good.replacingOccurrences(of: "<a href='\(Hardening.mirror + Self.path)'",
                                                   with: "<a href='javascript:alert(1)'")
        #expect(record(plain).page.footer == nil)
    }

    @Test(arguments: ["pages/../../etc/passwd.md", "pages/world/../../../x.md", "pages/%2e%2e/%2e%2e/x.md"])
    func dotDotInTheMirrorURL(_ target: String) {
        let text = Self.good.replacingOccurrences(of: Hardening.mirror + Self.path, with: Hardening.mirror + target)
        let r = record(text)
        #expect(r.problems.contains { $0.message.contains("not to this page") }, "\(r.problems)")
    }

    @Test(arguments: ["../../../etc/passwd", "pages/../../secret", "pages/%2e%2e/%2E%2E/secret.png", "/etc/passwd"])
    func imageURLLeavingTheArchive(_ target: String) throws {
        let text = Self.good.replacingOccurrences(of: Hardening.cdn + Self.path + ".png", with: Hardening.cdn + target)
        let r = record(text)
        // The asset is the page's own PNG whatever the link says; the link is one finding, at its line.
        #expect(r.qrAsset?.value == Self.path + ".png")
        #expect(r.assetOutsideArchive)
        let problem = try #require(r.problems.first, "\(target)")
        #expect(r.problems.count == 1, "\(r.problems)")
        #expect(problem.kind == .imageOutsideArchive && problem.line == 11 && problem.file == Self.path)
        let decoded = target.replacingOccurrences(of: "%2e", with: ".").replacingOccurrences(of: "%2E", with: ".")
        #expect(problem.message.hasPrefix("QR image URL names a file outside the archive: path '\(decoded)' "), "\(problem.message)")
    }

    @Test(arguments: ["https://evil.example.com/qr.png", "https://cdn.jsdelivr.net/gh/someone-else/other/pages/world/n10000001.md.png",
                      "https://github.com/someone-else/other/blob/master/pages/world/n10000001.md.png", "data:image/png;base64,iVBORw0KGgo="])
    func imageURLOfAnotherSite(_ image: String) {
        let text = Self.good.replacingOccurrences(of: Hardening.cdn + Self.path + ".png", with: image)
        let r = record(text)
        #expect(r.problems.contains { $0.line == r.page.footer?.qrImageLine }, "\(image): \(r.problems)")
    }
}
