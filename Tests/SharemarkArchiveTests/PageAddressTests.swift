import Foundation
import SharemarkArchive
import Testing

/// The one mapping between a page's path and its URLs: pinned strings for every character class,
/// both directions, and Python's `urllib.parse.quote` as an independent oracle of the encoding.
@Suite struct PageAddressTests {
    static let config = ArchiveConfig(owner: "example-org", repository: "mirror", branch: "master")
    static let mirror = "https://github.com/example-org/mirror/blob/master/"
    static let cdn = "https://cdn.jsdelivr.net/gh/example-org/mirror/"

    @Test(arguments: [
        ("pages/qs/?p=4411.md", "pages/qs/%3Fp=4411.md"),
        ("pages/qs/8812?lang=b5.md", "pages/qs/8812%3Flang=b5.md"),
        ("pages/qs/a#b.md", "pages/qs/a%23b.md"),
        ("pages/qs/50%off.md", "pages/qs/50%25off.md"),
        ("pages/qs/with space.md", "pages/qs/with%20space.md"),
        ("pages/qs/a&b=c.md", "pages/qs/a%26b=c.md"),
        ("pages/qs/it's.md", "pages/qs/it%27s.md"),
        ("pages/qs/q\"<>\\^`{|}[].md", "pages/qs/q%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D.md"),
        ("pages/qs/tab\tcr\rnl\nbell\u{07}del\u{7F}.md", "pages/qs/tab%09cr%0Dnl%0Abell%07del%7F.md"),
        ("pages/qs/~._-!$()*+,;=:@.md", "pages/qs/~._-!$()*+,;=:@.md"),
        ("pages/world/n10000001.md", "pages/world/n10000001.md"),
        // Non-ASCII stays as the archives' footers write it.
        ("pages/qs/中文頁.md", "pages/qs/中文頁.md"),
        ("pages/qs/中 文?.md", "pages/qs/中%20文%3F.md"),
    ])
    func encodingOfEachCharacterClass(path: String, encoded: String) {
        #expect(PageAddress.encoded(path) == encoded)
        #expect(URLText.percentDecoded(encoded) == path)
    }

    @Test func urlsOfAPageAreBuiltFromItsPath() throws {
        let address = PageAddress(page: try ArchivePath("pages/qs/?p=4411.md"))
        #expect(address.asset.value == "pages/qs/?p=4411.md.png")
        #expect(address.mirrorURL(in: Self.config) == Self.mirror + "pages/qs/%3Fp=4411.md")
        #expect(address.imageURL(in: Self.config, form: .cdn) == Self.cdn + "pages/qs/%3Fp=4411.md.png")
        #expect(address.imageURL(in: Self.config, form: .blob) == Self.mirror + "pages/qs/%3Fp=4411.md.png")
        // No repository known: no URL is made up.
        #expect(address.mirrorURL(in: ArchiveConfig(owner: "", repository: "")) == nil)
    }

    @Test func footerURLsAreReadBackInEitherForm() throws {
        let address = PageAddress(page: try ArchivePath("pages/qs/?p=4411.md"))
        let form = URLTemplate.defaultMirror
        // Encoded (either case of hex digits): reaches the page.
        for url in [Self.mirror + "pages/qs/%3Fp=4411.md", Self.mirror + "pages/qs/%3fp%3D4411.md"] {
            guard case .exact(let parts)? = address.pageReference(of: url, form: form) else {
                Issue.record("\(url): not exact"); continue
            }
            #expect(parts.owner == "example-org" && parts.repository == "mirror" && parts.branch == "master")
        }
        // Raw: names the page only when read to its end; on the git host it opens the folder.
        guard case .opensFolder(let parts)? = address.pageReference(of: Self.mirror + "pages/qs/?p=4411.md", form: form) else {
            Issue.record("raw '?' is not opensFolder"); return
        }
        #expect(parts.path == "pages/qs/?p=4411.md")
        // Another page, and its PNG.
        guard case .other(_, let other)? = address.pageReference(of: Self.mirror + "pages/qs/n1.md", form: form) else {
            Issue.record("another page is not .other"); return
        }
        #expect(other == "pages/qs/n1.md")
        #expect(address.assetReference(of: Self.cdn + "pages/qs/%3Fp=4411.md.png", form: .defaultCDN)?.namesTarget == true)
        #expect(address.assetReference(of: Self.cdn + "pages/qs/%3Fp=4411.md", form: .defaultCDN)?.namesTarget == false)
        // Not of the form at all.
        #expect(address.pageReference(of: "https://example.com/pages/qs/?p=4411.md", form: form) == nil)
        // A page whose name has no '?': a query after it is the git host's, not the path's.
        let plain = PageAddress(page: try ArchivePath("pages/world/n1.md"))
        guard case .exact? = plain.pageReference(of: Self.mirror + "pages/world/n1.md?t=05201200", form: form) else {
            Issue.record("a query after a plain page's URL"); return
        }
        // Non-ASCII, raw or encoded, is the same page.
        let cjk = PageAddress(page: try ArchivePath("pages/qs/中文頁.md"))
        for url in [Self.mirror + "pages/qs/中文頁.md", Self.mirror + "pages/qs/%E4%B8%AD%E6%96%87%E9%A0%81.md"] {
            guard case .exact? = cjk.pageReference(of: url, form: form) else { Issue.record("\(url): not exact"); continue }
        }
    }

    /// Python's `quote` with the same characters left alone is an independent encoder: over
    /// generated ASCII names (every printable and control byte but '/' and NUL) both agree, and
    /// decoding gives the name back, for non-ASCII names too.
    @Test func encodingAgreesWithPythonsQuoteOverGeneratedNames() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = (1...0x7F).map { UInt8($0) }.filter { $0 != UInt8(ascii: "/") }
        var names: [String] = alphabet.map { "pages/c/x" + String(decoding: [$0], as: UTF8.self) + ".md" }
        for _ in 0..<500 {
            let length = Int.random(in: 1...12, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            names.append("pages/c/" + String(decoding: bytes, as: UTF8.self) + ".md")
        }
        let script = """
            import json, sys, urllib.parse
            names = json.load(sys.stdin)
            json.dump([urllib.parse.quote(n, safe="/!$()*+,;=:@") for n in names], sys.stdout)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        // Waited for by its termination handler: waitUntilExit() can miss the exit on Linux.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(names))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        #expect(process.terminationStatus == 0)
        let quoted = try JSONDecoder().decode([String].self, from: data)
        try #require(quoted.count == names.count)
        var disagreements: [String] = []
        for (name, oracle) in zip(names, quoted) where PageAddress.encoded(name) != oracle {
            disagreements.append("\(name.debugDescription): ours \(PageAddress.encoded(name)), Python \(oracle)")
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        // Round trip, with non-ASCII and '%' sequences that look like escapes.
        for name in names + ["pages/c/中文%E4%B8%AD.md", "pages/c/%25%2.md", "pages/c/é ü.md"] {
            #expect(URLText.percentDecoded(PageAddress.encoded(name)) == name, "\(name.debugDescription)")
        }
    }
}

/// The one percent decoder, in its two uses: a URL in a page (lenient) and what a client sent
/// (strict).
@Test func percentDecodingLenientAndStrict() {
    #expect(URLText.percentDecoded("a%3Fb%23c%25%e4%b8%ad") == "a?b#c%中")
    #expect(URLText.percentDecoded("100%zz%4") == "100%zz%4", "a malformed escape is kept as written")
    #expect(URLText.percentDecoded("%ff%41") == "\u{FFFD}A", "bytes that are not UTF-8 become U+FFFD")
    #expect(URLText.percentDecoded("a+b") == "a+b")
    #expect(URLText.percentDecoded(strict: "a%3Fb%e4%b8%ad") == "a?b中")
    #expect(URLText.percentDecoded(strict: "100%zz") == nil)
    #expect(URLText.percentDecoded(strict: "ends%4") == nil)
    #expect(URLText.percentDecoded(strict: "%ff") == nil)
    #expect(URLText.percentDecoded(strict: "a+b%2B", plusIsSpace: true) == "a b+")
    #expect(URLText.percentDecoded(strict: "a+b") == "a+b")
    #expect((0...255).compactMap { URLText.hexValue(UInt8($0)) }.count == 22)
    #expect(URLText.hexValue(UInt8(ascii: "f")) == 15 && URLText.hexValue(UInt8(ascii: "A")) == 10 && URLText.hexValue(UInt8(ascii: "g")) == nil)
}
