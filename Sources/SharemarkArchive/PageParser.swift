#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The share footer of a page, as written, with 1-based line numbers.
public struct ShareFooter: Hashable, Sendable, Codable {
    /// The mirror URL printed as text on the line before the link (nil when that line has none).
    public var printedMirrorURL: String?
    public var printedMirrorLine: Int?
    /// The `href` of the `<a>` around the QR image.
    public var linkedMirrorURL: String
    public var linkLine: Int
    /// The `src` of the QR `<img>` (on the link's line).
    public var qrImageURL: String
    public var qrImageLine: Int
    /// The first URL after the link that is not the mirror URL.
    public var originalURL: String?
    public var originalLine: Int?
}

/// What one page says, before any archive configuration is applied.
public struct Page: Hashable, Sendable {
    /// The text of a first line `### title` (nil when the first line is not a `###` heading).
    public var title: String?
    public var footer: ShareFooter?
    /// A date (`YYYY-MM-DD`) from the first dateline `【…YYYY年MM月DD日讯】` in the body.
    public var datelineDate: String?
    public var invalidUTF8: Bool
    public var hasBOM: Bool
    public var usesCRLF: Bool
    /// On a page with no footer: the last line that is a bare mirror URL of a page, and its
    /// number. Such a line is how a footer starts, so a page cut off after it (or whose QR
    /// link was deleted) has a broken footer, not none.
    public var unlinkedMirrorURL: String? = nil
    public var unlinkedMirrorLine: Int? = nil
    /// How the footer is written (nil without a footer, or when it is not whole).
    public var footerStyle: FooterStyle? = nil
}

/// Parses pages in one pass over their bytes: linear in the page size, no regular expressions.
///
/// The share footer is found by structure: an `<a>` whose `href` is of the mirror URL form,
/// holding an `<img>`; the printed mirror URL is the first URL on the closest non-blank line
/// before it, the original URL the first URL after it that is not the mirror URL. When a page
/// has several such structures, the last one is the footer.
public struct PageParser: Sendable {
    public var mirrorForm: URLTemplate

    public init(mirrorForm: URLTemplate = .defaultMirror) {
        self.mirrorForm = mirrorForm
    }

    public func parse(_ bytes: [UInt8]) -> Page {
        // The footer's style is learned from the page's lines, which share the array.
        bytes.withUnsafeBufferPointer { parse($0, lines: { LineTable(bytes) }) }
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> Page {
        parse(buffer, lines: { LineTable(Array(buffer)) })
    }

    /// `lines` makes the page's lines, when it has a footer to learn the style of.
    private func parse(_ buffer: UnsafeBufferPointer<UInt8>, lines: () -> LineTable) -> Page {
        var page = Page(title: nil, footer: nil, datelineDate: nil, invalidUTF8: false, hasBOM: false, usesCRLF: false)
        guard let base = buffer.baseAddress, buffer.count > 0 else { return page }
        let n = buffer.count
        var start = 0
        if n >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
            page.hasBOM = true
            start = 3
        }
        page.invalidUTF8 = !UTF8Check.isValid(UnsafeBufferPointer(rebasing: buffer[start...]))

        var lineNumber = 0
        var lineStart = start
        var previousNonBlank: (start: Int, end: Int, number: Int)? = nil
        var candidate: ShareFooter? = nil
        var candidateMirrors: [String] = []
        var pendingOriginal = false
        var searchDateline = true
        var lastBareMirror: (url: String, line: Int)? = nil

        while lineStart < n || (lineStart == n && lineNumber == 0) {
            lineNumber += 1
            var lineEnd: Int
            if let nl = memchr(base + lineStart, 0x0A, n - lineStart) {
                lineEnd = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            } else {
                lineEnd = n
            }
            let next = lineEnd + 1
            if lineEnd > lineStart && base[lineEnd - 1] == 0x0D {
                lineEnd -= 1
                page.usesCRLF = true
            }

            if lineNumber == 1 {
                if lineEnd - lineStart >= 4 && hasPrefix(base + lineStart, lineEnd - lineStart, "### ") {
                    let t = string(base, lineStart + 4, lineEnd)
                    let trimmed = String(t.trimmed())
                    page.title = trimmed.isEmpty ? nil : trimmed
                }
            }

            var originalSearchFrom = lineStart
            if let link = findFooterLink(base, lineStart, lineEnd) {
                var footer = ShareFooter(
                    printedMirrorURL: nil, printedMirrorLine: nil,
                    linkedMirrorURL: link.href, linkLine: lineNumber,
                    qrImageURL: link.src, qrImageLine: lineNumber,
                    originalURL: nil, originalLine: nil)
                if let prev = previousNonBlank, let url = firstURL(base, prev.start, prev.end, excluding: []) {
                    footer.printedMirrorURL = url.text
                    footer.printedMirrorLine = prev.number
                }
                candidate = footer
                candidateMirrors = [link.href, footer.printedMirrorURL].compactMap { $0 }
                pendingOriginal = true
                originalSearchFrom = link.end
            }
            else if candidate == nil, let url = bareMirrorURL(base, lineStart, lineEnd) {
                lastBareMirror = (url, lineNumber)
            }
            if pendingOriginal, let url = firstURL(base, originalSearchFrom, lineEnd, excluding: candidateMirrors) {
                candidate?.originalURL = url.text
                candidate?.originalLine = lineNumber
                pendingOriginal = false
            } else if pendingOriginal, isDashes(base, lineStart, lineEnd) {
                // The trailing block (navigation, tracking image) is no part of the footer.
                pendingOriginal = false
            }
            if searchDateline, let date = dateline(base, lineStart, lineEnd) {
                page.datelineDate = date
                searchDateline = false
            }
            if !isBlank(base, lineStart, lineEnd) {
                previousNonBlank = (lineStart, lineEnd, lineNumber)
            }
            lineStart = next
        }
        page.footer = candidate
        if let candidate {
            page.footerStyle = FooterStyle.learn(lines: lines(), footer: candidate)
        }
        if candidate == nil, let lastBareMirror {
            page.unlinkedMirrorURL = lastBareMirror.url
            page.unlinkedMirrorLine = lastBareMirror.line
        }
        return page
    }

    // MARK: - Pieces of a line

    private struct Link { var href: String; var src: String; var end: Int }

    /// The last `<a href=MIRROR><img src=…>` on the line.
    private func findFooterLink(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Link? {
        var found: Link? = nil
        var i = from
        // The next '>', "</a" and "<img" are searched for once per occurrence, not again from
        // every `<a` (a long line of unclosed links would otherwise take quadratic time).
        var nextTagEnd = NextOccurrence(), nextClose = NextOccurrence(), nextImg = NextOccurrence()
        while i < to, let p = findBytes(base + i, to - i, "<a") {
            let at = base.distance(to: p)
            i = at + 2
            guard i < to, base[i] == 0x20 || base[i] == 0x09 else { continue }
            let tagStart = i
            guard let tagEnd = nextTagEnd.find(i, { indexOf(0x3E, base, $0, to) }) else { break }  // '>'
            // An `<a` inside this tag's text is no tag: go on after its '>'.
            i = tagEnd
            guard let href = attribute("href", base, tagStart, tagEnd) else { continue }
            let closeA = nextClose.find(tagEnd, { search("</a", base, $0, to) }) ?? to
            // An "<img" that starts before closeA lies wholly before it ("</a" cannot overlap it).
            guard let img = nextImg.find(tagEnd, { search("<img", base, $0, to) }), img < closeA else { continue }
            let imgEnd = indexOf(0x3E, base, img, closeA) ?? closeA
            guard let src = attribute("src", base, img + 4, imgEnd) else { continue }
            let hrefText = string(base, href.0, href.1)
            guard isPageURL(hrefText) else { continue }
            let srcText = string(base, src.0, src.1)
            found = Link(href: hrefText, src: srcText, end: min(to, closeA + 3))
            i = found!.end
        }
        return found
    }

    /// Whether `url` is of the mirror form and names a page (`.md`): with its path as the git
    /// host reads it, or read on through a raw `?` or `#` (a file name holding one, linked
    /// without encoding it: still the page's footer, whose link is a finding).
    private func isPageURL(_ url: String) -> Bool {
        if let parts = mirrorForm.match(url), parts.path.hasSuffix(".md") { return true }
        guard url.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else { return false }
        return mirrorForm.match(url, wholePath: true)?.path.hasSuffix(".md") == true
    }

    /// The first occurrence of something at or after a position, remembered for later
    /// positions up to that occurrence.
    private struct NextOccurrence {
        var from = Int.max
        var at: Int? = nil
        mutating func find(_ position: Int, _ search: (Int) -> Int?) -> Int? {
            if position >= from, at.map({ $0 >= position }) ?? true { return at }
            from = position
            at = search(position)
            return at
        }
    }

    /// The value range of `name=` inside a tag (quoted with ' or ", or bare).
    private func attribute(_ name: String, _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> (Int, Int)? {
        let key = Array(name.utf8)
        var i = from
        while i < to {
            guard let at = search(name, base, i, to) else { return nil }
            i = at + key.count
            let before = at > 0 ? base[at - 1] : 0x20
            guard before == 0x20 || before == 0x09 || before == 0x0A || before == 0x0D else { continue }
            var j = i
            while j < to && base[j] == 0x20 { j += 1 }
            guard j < to && base[j] == 0x3D else { continue }  // '='
            j += 1
            while j < to && base[j] == 0x20 { j += 1 }
            guard j < to else { return nil }
            let q = base[j]
            if q == 0x27 || q == 0x22 {
                guard let close = indexOf(q, base, j + 1, to) else { return nil }
                return (j + 1, close)
            }
            var k = j
            while k < to && base[k] != 0x20 && base[k] != 0x3E && !(base[k] == 0x2F && k + 1 < to && base[k + 1] == 0x3E) { k += 1 }
            return (j, k)
        }
        return nil
    }

    private struct FoundURL { var text: String; var end: Int }

    /// The first `http://` or `https://` URL in the range that is not one of `excluding`.
    private func firstURL(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int, excluding: [String]) -> FoundURL? {
        var i = from
        while i < to, let p = findBytes(base + i, to - i, "http") {
            let at = base.distance(to: p)
            var j = at + 4
            if j < to && base[j] == UInt8(ascii: "s") { j += 1 }
            guard to - j >= 3, base[j] == 0x3A, base[j + 1] == 0x2F, base[j + 2] == 0x2F else { i = at + 4; continue }
            var k = j + 3
            while k < to {
                let c = base[k]
                if c <= 0x20 || c == 0x27 || c == 0x22 || c == 0x3C || c == 0x3E || c == 0x29 || c == 0x5D { break }
                k += 1
            }
            i = k
            guard k > j + 3 else { continue }
            let text = string(base, at, k)
            if excluding.contains(text) { continue }
            return FoundURL(text: text, end: k)
        }
        return nil
    }

    /// `【…YYYY年MM月DD日讯】` → `YYYY-MM-DD`.
    private func dateline(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> String? {
        var i = from
        while i < to, let open = search("【", base, i, to) {
            i = open + 3
            let limit = min(to, open + 3 + 240)
            guard let close = search("】", base, i, limit) else { continue }
            guard let xun = search("日讯", base, i, close) else { continue }
            // Walk back from 日讯 over: DD 月 MM 年 YYYY.
            var k = xun
            func digitsBefore(_ k: inout Int, max: Int) -> Int? {
                var value = 0, mult = 1, count = 0
                while k > open + 3 && count < max && base[k - 1] >= 0x30 && base[k - 1] <= 0x39 {
                    value += Int(base[k - 1] - 0x30) * mult
                    mult *= 10; count += 1; k -= 1
                }
                return count > 0 ? value : nil
            }
            func wordBefore(_ k: inout Int, _ word: String) -> Bool {
                let w = Array(word.utf8)
                guard k - w.count >= open + 3 else { return false }
                for (n, b) in w.enumerated() where base[k - w.count + n] != b { return false }
                k -= w.count
                return true
            }
            guard let day = digitsBefore(&k, max: 2), wordBefore(&k, "月"),
                  let month = digitsBefore(&k, max: 2), wordBefore(&k, "年"),
                  let year = digitsBefore(&k, max: 4) else { continue }
            if let date = URLText.formatDate(year: year, month: month, day: day) { return date }
        }
        return nil
    }

    // MARK: - Byte helpers

    private func string(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + from, count: max(0, to - from)), as: UTF8.self)
    }

    private func hasPrefix(_ p: UnsafePointer<UInt8>, _ count: Int, _ prefix: StaticString) -> Bool {
        guard count >= prefix.utf8CodeUnitCount else { return false }
        return memcmp(p, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
    }

    private func indexOf(_ byte: UInt8, _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        guard from < to, let p = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    private func search(_ needle: String, _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        guard from < to else { return nil }
        var needle = needle
        return needle.withUTF8 { n -> Int? in
            guard let p = findBytes(base + from, to - from, n.baseAddress!, n.count) else { return nil }
            return base.distance(to: p)
        }
    }

    /// The URL of a line that starts (after blanks) with a mirror URL of a `.md` page, the way
    /// a footer's printed mirror URL line does.
    private func bareMirrorURL(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> String? {
        var i = from
        while i < to && (base[i] == 0x20 || base[i] == 0x09) { i += 1 }
        guard to - i > 8, hasPrefix(base + i, to - i, "http"), let url = firstURL(base, i, to, excluding: []),
              isPageURL(url.text) else { return nil }
        return url.text
    }

    /// A line of three or more dashes (blanks around them allowed).
    private func isDashes(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var dashes = 0
        for i in from..<max(from, to) {
            switch base[i] {
            case 0x2D: dashes += 1
            case 0x20, 0x09, 0x0D: continue
            default: return false
            }
        }
        return dashes >= 3
    }

    private func isBlank(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var i = from
        while i < to {
            let c = base[i]
            if c != 0x20 && c != 0x09 && c != 0x0D { return false }
            i += 1
        }
        return true
    }
}

/// The first occurrence of `needle` in `count` bytes at `hay` (memchr on the first byte, then
/// memcmp: linear for the short needles used here).
@inline(__always)
func findBytes(_ hay: UnsafePointer<UInt8>, _ count: Int, _ needle: UnsafePointer<UInt8>, _ length: Int) -> UnsafePointer<UInt8>? {
    guard length > 0, count >= length else { return nil }
    let first = Int32(needle[0])
    var p = hay
    let last = hay + (count - length)
    while p <= last {
        guard let q = memchr(p, first, last - p + 1) else { return nil }
        let c = q.assumingMemoryBound(to: UInt8.self)
        if memcmp(c, needle, length) == 0 { return UnsafePointer(c) }
        p = UnsafePointer(c) + 1
    }
    return nil
}

@inline(__always)
func findBytes(_ hay: UnsafePointer<UInt8>, _ count: Int, _ needle: StaticString) -> UnsafePointer<UInt8>? {
    findBytes(hay, count, needle.utf8Start, needle.utf8CodeUnitCount)
}

/// A UTF-8 validity check with an ASCII fast path.
enum UTF8Check {
    /// Every indexed page is checked: eight ASCII bytes at a time, and each multi-byte sequence
    /// by the ranges of Unicode's table of well-formed UTF-8 (its second byte's range rules out
    /// overlong forms, surrogates and code points above U+10FFFF).
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = b.baseAddress else { return true }
        let n = b.count
        var i = 0
        while i < n {
            if n - i >= 8, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            @inline(__always) func continues(_ k: Int) -> Bool { p[k] & 0xC0 == 0x80 }
            switch c {
            case 0xC2...0xDF:
                guard n - i >= 2, continues(i + 1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard n - i >= 3 else { return false }
                let second = p[i + 1]
                let low: UInt8 = c == 0xE0 ? 0xA0 : 0x80, high: UInt8 = c == 0xED ? 0x9F : 0xBF
                guard second >= low, second <= high, continues(i + 2) else { return false }
                i += 3
            case 0xF0...0xF4:
                guard n - i >= 4 else { return false }
                let second = p[i + 1]
                let low: UInt8 = c == 0xF0 ? 0x90 : 0x80, high: UInt8 = c == 0xF4 ? 0x8F : 0xBF
                guard second >= low, second <= high, continues(i + 2), continues(i + 3) else { return false }
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
