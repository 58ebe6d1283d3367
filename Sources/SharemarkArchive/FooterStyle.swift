import Foundation

/// Which URL a footer links its QR image with. Both name the same file of the repository
/// (`pages/<category>/<id>.md.png`); each archive keeps to one of them, its house style.
public enum ImageLinkForm: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The CDN: `https://cdn.jsdelivr.net/gh/<owner>/<repo>/<path>` (the `cdn_url` form).
    case cdn
    /// The git host's web view: `https://github.com/<owner>/<repo>/blob/<branch>/<path>` (the
    /// `mirror_url` form).
    case blob

    public var description: String { rawValue }
}

/// How an archive writes its share footer, learned from one page: every line of the footer as
/// a template (the page's own URLs replaced by placeholders, every other byte kept), the blank
/// lines before it, and what follows it. Pages that write their footers alike have equal
/// styles, so the archive's style is the one most of its footers share.
public struct FooterStyle: Hashable, Sendable, Codable {
    /// One piece of a line: text as written, or where a URL goes.
    public enum Piece: Hashable, Sendable, Codable {
        case text(String)
        case mirrorURL
        case imageURL
        case originalURL
    }

    /// The footer's lines, first to last, without line endings. The line with `mirrorURL`
    /// alone is the printed URL; the line with `imageURL` is the QR link.
    public var lines: [[Piece]]
    /// Blank lines between the body and the footer's first line.
    public var blankLinesBefore: Int
    /// Blank lines between the footer's last line and what follows it.
    public var blankLinesAfter: Int
    /// What follows the footer.
    public var trailing: Trailing

    public enum Trailing: String, Hashable, Sendable, Codable {
        /// A line of dashes starting the trailing block (navigation, tracking image).
        case dashes
        /// Nothing: the footer ends the page.
        case end
        /// Some other line.
        case other
    }

    public init(lines: [[Piece]], blankLinesBefore: Int, blankLinesAfter: Int, trailing: Trailing) {
        self.lines = lines
        self.blankLinesBefore = blankLinesBefore
        self.blankLinesAfter = blankLinesAfter
        self.trailing = trailing
    }

    /// The footer of `archive-format.md`, for archives with no footer to learn from.
    public static let standard = FooterStyle(
        lines: [
            [.text("<hr/>")],
            [.text("手机上长按并复制下列链接或二维码分享本文章：<br/>")],
            [.mirrorURL, .text(" <br/>")],
            [.text("<a href='"), .mirrorURL, .text("'><img src='"), .imageURL, .text("'/></a> <br/>")],
            [.text("原文地址（需翻墙访问）："), .originalURL],
        ],
        blankLinesBefore: 0, blankLinesAfter: 2, trailing: .dashes)

    /// Whether the style's first line is a rule (`<hr/>`): a page that kept its footer's rule
    /// gets the footer without a second one.
    public var startsWithRule: Bool {
        guard case .text(let first)? = lines.first?.first, lines.first?.count == 1 else { return false }
        let t = first.trimmed()
        return t.hasASCIIPrefixIgnoringCase("<hr") && t.hasSuffix(">") && t.count <= 8
    }

    /// Whether the style has a line for the original URL.
    public var hasOriginalLine: Bool { lines.contains { $0.contains(.originalURL) } }

    /// The footer's lines for a page. The line with the original URL is left out when
    /// `originalURL` is nil (only a known URL is ever written).
    public func render(mirrorURL: String, imageURL: String, originalURL: String?) -> [String] {
        var out: [String] = []
        for line in lines {
            if line.contains(.originalURL) && originalURL == nil { continue }
            var text = ""
            for piece in line {
                switch piece {
                case .text(let s): text += s
                case .mirrorURL: text += mirrorURL
                case .imageURL: text += imageURL
                case .originalURL: text += originalURL ?? ""
                }
            }
            out.append(text)
        }
        return out
    }

    /// A stable text of the style (JSON, keys sorted), for storing and comparing.
    public var key: String {
        String(decoding: (try? JSONCoding.sortedEncoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public init?(key: String) {
        guard let style = try? JSONCoding.decoder.decode(FooterStyle.self, from: Data(key.utf8)) else { return nil }
        self = style
    }
}

extension FooterStyle {
    /// A style compared and hashed by the bytes of its text. `==` on `FooterStyle` compares
    /// text as Characters, and so takes two spellings of one character (`é` as one code point,
    /// or `e` and a combining accent) for one style; the index keeps each spelling apart, as
    /// `footer_styles` does (SQLite compares text as bytes), so that a footer written in a
    /// learned style has the bytes of the pages it was learned from.
    struct Spelling: Hashable {
        let style: FooterStyle

        static func == (a: Spelling, b: Spelling) -> Bool {
            a.style.blankLinesBefore == b.style.blankLinesBefore && a.style.blankLinesAfter == b.style.blankLinesAfter
                && a.style.trailing == b.style.trailing && a.style.lines.count == b.style.lines.count
                && zip(a.style.lines, b.style.lines).allSatisfy { x, y in
                    x.count == y.count && zip(x, y).allSatisfy { p, q in
                        switch (p, q) {
                        case (.text(let s), .text(let t)): s.hasSameBytes(as: t)
                        default: p == q
                        }
                    }
                }
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(style.blankLinesBefore)
            hasher.combine(style.blankLinesAfter)
            hasher.combine(style.trailing)
            for line in style.lines {
                hasher.combine(line.count)
                for piece in line {
                    switch piece {
                    case .text(let text):
                        hasher.combine(0)
                        hasher.combine(text.utf8.count)
                        text.withUTF8Bytes { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
                    case .mirrorURL: hasher.combine(1)
                    case .imageURL: hasher.combine(2)
                    case .originalURL: hasher.combine(3)
                    }
                }
            }
        }
    }
}

extension FooterStyle {
    /// Learns the style of a page's footer from the page's lines, or returns nil when the footer
    /// is not whole (no printed mirror URL right before its link, URLs not found as written).
    ///
    /// The footer runs from its leading lines (a rule such as `<hr/>` and a label line without
    /// a URL, each when present) through the printed mirror URL and the QR link to the original
    /// URL when it follows within two lines.
    static func learn(lines: LineTable, footer: ShareFooter) -> FooterStyle? {
        guard let printedLine = footer.printedMirrorLine, let printed = footer.printedMirrorURL,
              printedLine < footer.linkLine, footer.linkLine - printedLine <= 2 else { return nil }
        var first = printedLine
        if first - 1 >= 1, lines.isRule(first - 1) {
            first -= 1
        } else if first - 1 >= 1, lines.isLabel(first - 1) {
            first -= 1
            if first - 1 >= 1, lines.isRule(first - 1) { first -= 1 }
        }
        var last = footer.linkLine
        if let originalLine = footer.originalLine, originalLine > footer.linkLine, originalLine - footer.linkLine <= 2 {
            last = originalLine
        }
        var templates: [[Piece]] = []
        templates.reserveCapacity(last - first + 1)
        for n in first...last {
            var marks: [(String, Piece)] = []
            marks.reserveCapacity(3)
            if n == printedLine { marks.append((printed, .mirrorURL)) }
            if n == footer.linkLine { marks += [(footer.linkedMirrorURL, .mirrorURL), (footer.qrImageURL, .imageURL)] }
            if n == footer.originalLine, let original = footer.originalURL { marks.append((original, .originalURL)) }
            guard let pieces = FooterStyle.template(line: n, of: lines, marks) else { return nil }
            templates.append(pieces)
        }
        var before = 0
        while first - before - 1 >= 1, lines.isBlank(first - before - 1) { before += 1 }
        var after = 0
        while last + after + 1 <= lines.count, lines.isBlank(last + after + 1) { after += 1 }
        let next = last + after + 1
        let trailing: Trailing = next > lines.count ? .end : lines.isDashes(next) ? .dashes : .other
        return FooterStyle(lines: templates, blankLinesBefore: before, blankLinesAfter: after, trailing: trailing)
    }

    /// `template(_:_:)` of line n's text, from the line's bytes where they decide it.
    ///
    /// Every page's footer is learned, and making each line's text and cutting it as a String
    /// took about 7% of parsing a page (10,000 pages, in process). A line of valid UTF-8 (no
    /// BOM) is its text's bytes, and where `URLOccurrence` decides every search from the bytes
    /// the cuts are the same; the first search the bytes leave undecided sends the line to
    /// `template(_:_:)`, which searches by Characters there.
    static func template(line n: Int, of lines: LineTable, _ marks: [(String, Piece)]) -> [Piece]? {
        if !(n == 1 && lines.hasBOM), lines.isValidUTF8(n) {
            let fromBytes = lines.bytes.withUnsafeBufferPointer { page in
                templateFromBytes(UnsafeBufferPointer(rebasing: page[lines.content[n - 1]]), marks)
            }
            switch fromBytes {
            case .decided(let pieces): return pieces
            case .undecided: break
            }
        }
        return template(lines.text(n), marks)
    }

    enum BytesTemplate: Equatable { case decided([Piece]?), undecided }

    /// `template(_:_:)`'s steps on the bytes of a valid UTF-8 line.
    static func templateFromBytes(_ line: UnsafeBufferPointer<UInt8>, _ marks: [(String, Piece)]) -> BytesTemplate {
        precondition(marks.count <= Int.bitWidth, "too many marks")
        var pieces: [Piece] = []
        // Text before each mark, the mark, text after the last: made once at that size.
        pieces.reserveCapacity(2 * marks.count + 1)
        var start = 0
        var found = 0
        while start < line.count {
            let rest = UnsafeBufferPointer(rebasing: line[start...])
            var best: (lower: Int, upper: Int, index: Int)? = nil
            for (i, mark) in marks.enumerated() where !mark.0.isEmpty {
                switch URLOccurrence.first(of: mark.0, inBytes: rest) {
                case .undecided: return .undecided
                case .absent: continue
                case .found(let lower):
                    let upper = lower + mark.0.utf8.count
                    if best == nil || lower < best!.lower || (lower == best!.lower && upper > best!.upper) {
                        best = (lower, upper, i)
                    }
                }
            }
            guard let best else { break }
            if best.lower > 0 { pieces.append(.text(String(decoding: UnsafeBufferPointer(rebasing: rest[..<best.lower]), as: UTF8.self))) }
            pieces.append(marks[best.index].1)
            found |= 1 << best.index
            start += best.upper
        }
        if start < line.count { pieces.append(.text(String(decoding: UnsafeBufferPointer(rebasing: line[start...]), as: UTF8.self))) }
        return .decided(found.nonzeroBitCount == marks.count ? pieces : nil)
    }

    /// `text` cut into pieces at each whole occurrence of the marked URLs (a URL followed by a
    /// character that may end it, so that `….md` does not match inside `….md.png`); nil when a
    /// marked URL does not occur whole.
    static func template(_ text: String, _ marks: [(String, Piece)]) -> [Piece]? {
        var pieces: [Piece] = []
        var rest = Substring(text)
        // Which marks were found, one bit each (a footer line has at most four).
        precondition(marks.count <= Int.bitWidth, "too many marks")
        var found = 0
        while !rest.isEmpty {
            var best: (range: Range<Substring.Index>, index: Int)? = nil
            for (i, mark) in marks.enumerated() {
                guard let range = URLOccurrence.first(of: mark.0, in: rest) else { continue }
                if best == nil || range.lowerBound < best!.range.lowerBound
                    || (range.lowerBound == best!.range.lowerBound && range.upperBound > best!.range.upperBound) {
                    best = (range, i)
                }
            }
            guard let best else { break }
            if best.range.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<best.range.lowerBound]))) }
            pieces.append(marks[best.index].1)
            found |= 1 << best.index
            rest = rest[best.range.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        guard found.nonzeroBitCount == marks.count else { return nil }
        return pieces
    }
}

/// Whole occurrences of a URL in a line: preceded by the start, a quote, `=` or a blank, and
/// followed by the end or a character no URL of a footer contains.
public enum URLOccurrence {
    static func isBoundaryBefore(_ c: Character) -> Bool {
        c == "'" || c == "\"" || c == "=" || c == " " || c == "\t" || c == ">" || c == "(" || c == "：" || c == ":"
    }
    static func isBoundaryAfter(_ c: Character) -> Bool {
        c == "'" || c == "\"" || c == " " || c == "\t" || c == "<" || c == ">" || c == ")" || c == "]" || c == "\r"
    }

    /// The first whole occurrence of `url` in `text`.
    ///
    /// The bytes are searched with `memchr` and `memcmp` (every page's footer is learned this way, and the
    /// standard library's `firstRange(of:)` builds a search table per call: it was a third of
    /// `sharemark index`). A match counts only when both its ends are Character boundaries of
    /// `text`, so the range can be used to slice it: Foundation's `range(of:)` matched on Unicode
    /// scalars and returned bounds inside a Character (a NUL or a combining mark next to the URL),
    /// where subscripting a Substring traps.
    public static func first(of url: String, in text: Substring) -> Range<Substring.Index>? {
        guard !url.isEmpty else { return nil }
        switch firstFromBytes(of: url, in: text) {
        case .found(let offset):
            let lower = text.utf8.index(text.startIndex, offsetBy: offset)
            return lower..<text.utf8.index(lower, offsetBy: url.utf8.count)
        case .absent: return nil
        case .undecided: return firstByCharacters(of: url, in: text)
        }
    }

    /// `first(of:in:)` by Characters, for the candidates the bytes alone do not decide.
    static func firstByCharacters(of url: String, in text: Substring) -> Range<Substring.Index>? {
        guard !url.isEmpty else { return nil }
        var from = text.startIndex
        while let range = byteMatch(of: url, in: text, from: from) {
            guard isCharacterBoundary(range.lowerBound, in: text), isCharacterBoundary(range.upperBound, in: text) else {
                from = text.utf8.index(after: range.lowerBound)
                continue
            }
            let beforeOK = range.lowerBound == text.startIndex || isBoundaryBefore(text[text.index(before: range.lowerBound)])
                || !url.hasPrefix("http")
            let afterOK = range.upperBound == text.endIndex || isBoundaryAfter(text[range.upperBound])
                || text[range.upperBound...].hasPrefix("/>")
            if beforeOK && afterOK { return range }
            from = text.index(after: range.lowerBound)
        }
        return nil
    }

    /// What `first(of:in:)` answers, decided from the bytes alone where they can decide it: each
    /// candidate whose own first and last bytes, and the two bytes on either side of it, are
    /// ASCII other than CR and LF. Such bytes are whole Characters, each a Character boundary
    /// from the next, so the tests of Characters are tests of bytes. Undecided at the first
    /// candidate that is not so: the Characters decide from there.
    enum Decision { case found(Int), absent, undecided }

    private static func firstFromBytes(of url: String, in text: Substring) -> Decision {
        text.utf8.withContiguousStorageIfAvailable { first(of: url, inBytes: $0) } ?? .undecided
    }

    /// `firstFromBytes` on bytes: `haystack` is the text's UTF-8, and its ends are the text's.
    static func first(of url: String, inBytes haystack: UnsafeBufferPointer<UInt8>) -> Decision {
        var needle = url
        // "http" as Characters: a fifth byte, when there is one, must not join the 'p'.
        let http: Decision = needle.withUTF8 { n in
            guard n.count >= 4, n[0] == 0x68, n[1] == 0x74, n[2] == 0x74, n[3] == 0x70 else { return .absent }
            return n.count == 4 || n[4] < 0x80 ? .found(0) : .undecided
        }
        if case .undecided = http { return .undecided }
        let startsWithHTTP = if case .found = http { true } else { false }
        return needle.withUTF8 { n -> Decision in
            guard let base = haystack.baseAddress, let needleBase = n.baseAddress else { return .absent }
            let count = haystack.count
            @inline(__always) func simple(_ i: Int) -> Bool {
                i < 0 || i >= count || (base[i] < 0x80 && base[i] != 0x0A && base[i] != 0x0D)
            }
            var i = 0
            while count - i >= n.count {
                guard let hit = memchr(base + i, Int32(n[0]), count - n.count - i + 1) else { return .absent }
                let lower = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                guard memcmp(base + lower, needleBase, n.count) == 0 else { i = lower + 1; continue }
                let upper = lower + n.count
                guard simple(lower - 2), simple(lower - 1), simple(lower), simple(lower + 1),
                      simple(upper - 1), simple(upper), simple(upper + 1), simple(upper + 2) else { return .undecided }
                let beforeOK = lower == 0 || !startsWithHTTP || isBoundaryBefore(Character(Unicode.Scalar(base[lower - 1])))
                let afterOK = upper == count || isBoundaryAfter(Character(Unicode.Scalar(base[upper])))
                    || (base[upper] == UInt8(ascii: "/") && upper + 1 < count && base[upper + 1] == UInt8(ascii: ">"))
                if beforeOK && afterOK { return .found(lower) }
                i = lower + 1
            }
            return .absent
        }
    }

    /// The first place at or after `from` where `text`'s UTF-8 bytes hold `needle`'s (its ends
    /// may fall inside a Character).
    static func byteMatch(of needle: String, in text: Substring, from: Substring.Index) -> Range<Substring.Index>? {
        let view = text.utf8
        let start = view.distance(from: view.startIndex, to: from)
        func search(_ haystack: UnsafeBufferPointer<UInt8>) -> Int? {
            var needle = needle
            return needle.withUTF8 { n in
                guard let base = haystack.baseAddress, let needleBase = n.baseAddress, let first = n.first else { return nil }
                // memchr to each candidate first byte, memcmp for the rest (glibc's memmem is
                // not exported to Swift).
                var i = start
                while i + n.count <= haystack.count {
                    guard let hit = memchr(base + i, Int32(first), haystack.count - n.count - i + 1) else { return nil }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, needleBase, n.count) == 0 { return at }
                    i = at + 1
                }
                return nil
            }
        }
        // A string without contiguous UTF-8 (bridged) is searched in a copy of its bytes.
        guard let offset = view.withContiguousStorageIfAvailable(search) ?? Array(view).withUnsafeBufferPointer(search)
        else { return nil }
        let lower = view.index(view.startIndex, offsetBy: offset)
        return lower..<view.index(lower, offsetBy: needle.utf8.count)
    }

    private static func isCharacterBoundary(_ index: Substring.Index, in text: Substring) -> Bool {
        index == text.startIndex || index == text.endIndex || String.Index(index, within: text) != nil
    }
}

/// The lines of a page's bytes: where each starts and ends (without its line ending), so that
/// single lines can be read or replaced while every other byte is kept.
public struct LineTable: Sendable {
    public let bytes: [UInt8]
    /// For line n (1-based) at index n-1: the range of its content, and the range of its ending
    /// (`\n`, `\r\n`, or empty for a last line without one).
    public private(set) var content: [Range<Int>] = []
    public private(set) var ending: [Range<Int>] = []

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var content: [Range<Int>] = [], ending: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let n = buffer.count
            // Every indexed page is cut into lines here: memchr finds each end. The lines are
            // counted first, so that each list is made once at its size (grown line by line,
            // they were a third of the allocations of parsing a page).
            var lines = 1
            var from = 0
            while from < n, let newline = memchr(base + from, 0x0A, n - from) {
                lines += 1
                from = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
            }
            content.reserveCapacity(lines)
            ending.reserveCapacity(lines)
            var start = 0
            while start < n {
                if let newline = memchr(base + start, 0x0A, n - start) {
                    let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                    let contentEnd = end > start && base[end - 1] == 0x0D ? end - 1 : end
                    content.append(start..<contentEnd)
                    ending.append(contentEnd..<(end + 1))
                    start = end + 1
                } else {
                    content.append(start..<n)
                    ending.append(n..<n)
                    start = n
                }
            }
        }
        self.content = content
        self.ending = ending
    }

    public var count: Int { content.count }

    /// Whether the bytes start with a UTF-8 byte order mark (part of line 1's bytes, not its text).
    public var hasBOM: Bool { bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF }

    /// The text of line n (1-based), invalid UTF-8 replaced.
    public func text(_ n: Int) -> String {
        var range = content[n - 1]
        // The BOM belongs to no line's text.
        if n == 1, hasBOM { range = 3..<range.upperBound }
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// Whether line n's bytes are valid UTF-8 (so that its text can be written back as it was).
    public func isValidUTF8(_ n: Int) -> Bool {
        bytes.withUnsafeBufferPointer { UTF8Check.isValid(UnsafeBufferPointer(rebasing: $0[content[n - 1]])) }
    }

    // The tests of a line below look at its bytes first and read its text only when the bytes
    // alone cannot tell (every page's footer is learned with them). An ASCII byte is a whole
    // Character of the text unless a non-ASCII scalar is next to it (a prefix before it, a
    // combining mark after it), and no such Character is whitespace: a line of ASCII bytes
    // only is answered from its bytes exactly, and one ASCII byte that is not a blank decides
    // that the line is not blank.

    /// Line n's content bytes when every one is ASCII, else nil.
    private func asciiContent(_ n: Int) -> ArraySlice<UInt8>? {
        let line = bytes[content[n - 1]]
        return line.allSatisfy { $0 < 0x80 } ? line : nil
    }

    /// The ASCII blanks: what `Character.isWhitespace` holds for among ASCII characters.
    private static func isASCIIBlank(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// `bytes` without ASCII blanks at either end (`trimmed()` for an ASCII line).
    private static func trimmedASCII(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isASCIIBlank($0) }),
              let last = bytes.lastIndex(where: { !isASCIIBlank($0) }) else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
    }

    public func isBlank(_ n: Int) -> Bool {
        var ascii = true
        for byte in bytes[content[n - 1]] {
            if byte >= 0x80 { ascii = false } else if !Self.isASCIIBlank(byte) { return false }
        }
        return ascii || text(n).allSatisfy { $0.isWhitespace }
    }

    /// A horizontal rule: `<hr>`, `<hr/>`, `<hr />` (any case).
    public func isRule(_ n: Int) -> Bool {
        if let line = asciiContent(n) {
            let t = Self.trimmedASCII(line)
            return t.count >= 3 && t.count <= 8 && t.last == UInt8(ascii: ">") && Self.hasLowercasedPrefix(t, Self.ruleOpening)
        }
        // The trimmed text starts with the byte '<'.
        guard bytes[content[n - 1]].contains(UInt8(ascii: "<")), !startsWithOtherThan(UInt8(ascii: "<"), n) else { return false }
        let t = text(n).trimmed()
        return t.hasASCIIPrefixIgnoringCase("<hr") && t.hasSuffix(">") && t.count <= 8
    }

    /// A line of three or more dashes.
    public func isDashes(_ n: Int) -> Bool {
        var ascii = true
        for byte in bytes[content[n - 1]] {
            if byte >= 0x80 { ascii = false } else if byte != UInt8(ascii: "-") && !Self.isASCIIBlank(byte) { return false }
        }
        if ascii {
            let t = Self.trimmedASCII(bytes[content[n - 1]])
            return t.count >= 3 && t.allSatisfy { $0 == UInt8(ascii: "-") }
        }
        let t = text(n).trimmed()
        return t.count >= 3 && t.allSatisfy { $0 == "-" }
    }

    /// A footer's label: text with no URL that does not close or open a block of the body.
    func isLabel(_ n: Int) -> Bool {
        if let line = asciiContent(n) {
            let t = Self.trimmedASCII(line)
            guard !t.isEmpty, !Self.containsBytes(t, "://"), !isDashes(n), !t.starts(with: "</".utf8),
                  t.first != UInt8(ascii: "#") else { return false }
            return !Self.blockOpenings.contains { Self.hasLowercasedPrefix(t, $0) }
        }
        // A line whose first scalar is neither ASCII nor a blank (a label in Chinese) starts its
        // trimmed text with that scalar: no closing tag, heading or block opening.
        if startsWithOtherThan(0x80, n) {
            return !Self.containsBytes(bytes[content[n - 1]], "://") && !isDashes(n)
        }
        let t = text(n).trimmed()
        guard !t.isEmpty, URLOccurrence.byteMatch(of: "://", in: t, from: t.startIndex) == nil, !isDashes(n),
              !t.hasPrefix("</"), !t.hasPrefix("#") else { return false }
        for block in ["<div", "<p>", "<p ", "<img", "<table", "<ul", "<ol", "<li"] where t.hasASCIIPrefixIgnoringCase(block) {
            return false
        }
        return true
    }

    /// Whether line n's text starts with a scalar that is not a blank and whose first byte is
    /// not `byte` (0x80: not ASCII): its trimmed text then starts with that scalar.
    private func startsWithOtherThan(_ byte: UInt8, _ n: Int) -> Bool {
        let line = bytes[content[n - 1]]
        // The BOM is no part of line 1's text.
        guard let first = line.first, !(n == 1 && hasBOM) else { return false }
        if first < 0x80 { return byte != 0x80 && first != byte && !Self.isASCIIBlank(first) }
        // The first scalar as the text decodes it (an invalid sequence is U+FFFD, no blank).
        guard let scalar = String(decoding: line.prefix(4), as: UTF8.self).unicodeScalars.first else { return false }
        return !scalar.properties.isWhitespace
    }

    /// The openings of the body's blocks, lower-case, that no label starts with.
    private static let blockOpenings = ["<div", "<p>", "<p ", "<img", "<table", "<ul", "<ol", "<li"].map { Array($0.utf8) }
    private static let ruleOpening = Array("<hr".utf8)

    /// Whether `bytes`, ASCII letters lowered (`hasASCIIPrefixIgnoringCase`), start with `prefix`.
    private static func hasLowercasedPrefix(_ bytes: ArraySlice<UInt8>, _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { byte, expected in
            byte.asciiLowercased == expected
        }
    }

    private static func containsBytes(_ hay: ArraySlice<UInt8>, _ needle: StaticString) -> Bool {
        hay.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return findBytes(base, buffer.count, needle) != nil
        }
    }

    /// The line ending most lines use (`\r\n` or `\n`), for lines added to the page.
    public var dominantEnding: [UInt8] {
        var crlf = 0, lf = 0
        for e in ending where !e.isEmpty { if e.count == 2 { crlf += 1 } else { lf += 1 } }
        return crlf > lf ? [0x0D, 0x0A] : [0x0A]
    }
}
