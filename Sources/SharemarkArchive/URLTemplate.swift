/// A URL form with placeholders `{owner}`, `{repository}`, `{branch}` and `{path}`, such as
/// `https://github.com/{owner}/{repository}/blob/{branch}/{path}`. It renders URLs and matches
/// them back into their parts (the scheme is not compared: `http` and `https` both match).
public struct URLTemplate: Hashable, Sendable, Codable, CustomStringConvertible {
    public let text: String

    enum Token: Hashable { case literal(String), owner, repository, branch, path }
    let tokens: [Token]
    /// The tokens for matching: a literal (scheme removed from the first) or a placeholder.
    let byteTokens: [(kind: Token?, literal: [UInt8])]

    public struct Parts: Hashable, Sendable {
        public var owner: String
        public var repository: String
        public var branch: String?
        public var path: String
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unknownPlaceholder(String)
        case missingPath
        public var description: String {
            switch self {
            case .unknownPlaceholder(let p): return "unknown placeholder {\(p)} (known: {owner} {repository} {branch} {path})"
            case .missingPath: return "the form has no {path} placeholder"
            }
        }
    }

    public static let defaultMirror = try! URLTemplate("https://github.com/{owner}/{repository}/blob/{branch}/{path}")
    public static let defaultCDN = try! URLTemplate("https://cdn.jsdelivr.net/gh/{owner}/{repository}/{path}")

    public init(_ text: String) throws(Problem) {
        self.text = text
        var tokens: [Token] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { literal += rest[open...]; rest = ""; break }
            let name = rest[rest.index(after: open)..<close]
            let token: Token
            switch name {
            case "owner": token = .owner
            case "repository": token = .repository
            case "branch": token = .branch
            case "path": token = .path
            default: throw .unknownPlaceholder(String(name))
            }
            if !literal.isEmpty { tokens.append(.literal(literal)); literal = "" }
            tokens.append(token)
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { tokens.append(.literal(literal)) }
        guard tokens.contains(.path) else { throw .missingPath }
        self.tokens = tokens
        self.byteTokens = tokens.enumerated().map { n, token in
            if case .literal(let s) = token {
                return (nil, Array((n == 0 ? String(URLText.withoutSchemeQueryFragment(s)) : s).utf8))
            }
            return (token, [])
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public var description: String { text }

    public static func == (a: URLTemplate, b: URLTemplate) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public func render(owner: String, repository: String, branch: String, path: String) -> String {
        // Sized once: every article read from the index gets two URLs rendered.
        var size = 0
        for token in tokens {
            switch token {
            case .literal(let s): size += s.utf8.count
            case .owner: size += owner.utf8.count
            case .repository: size += repository.utf8.count
            case .branch: size += branch.utf8.count
            case .path: size += path.utf8.count
            }
        }
        var out = ""
        out.reserveCapacity(size)
        for token in tokens {
            switch token {
            case .literal(let s): out += s
            case .owner: out += owner
            case .repository: out += repository
            case .branch: out += branch
            case .path: out += path
            }
        }
        return out
    }

    /// Splits `url` (query and fragment are ignored) into its parts, or nil when it is not of
    /// this form. A jsDelivr-style `repository@ref` yields the ref as the branch.
    ///
    /// With `wholePath`, the path runs on through a raw `?` or `#` to the end of the URL: how a
    /// footer written for a file name with `?` in it reads (`PageAddress.reference`), a link
    /// that the git host cuts at that character.
    public func match(_ url: some StringProtocol, wholePath: Bool = false) -> Parts? {
        // On the URL's own bytes: every footer's URLs are matched, several times each.
        var text = String(url)
        return text.withUTF8 { bytes in
            match(bytes: wholePath ? URLText.withoutScheme(bytes: bytes) : URLText.withoutSchemeQueryFragment(bytes: bytes))
        }
    }

    private func match(bytes u: UnsafeBufferPointer<UInt8>) -> Parts? {
        var i = 0
        var owner: String?, repository: String?, branch: String?, path: String?
        @inline(__always) func literalAt(_ k: Int, _ lit: [UInt8]) -> Bool {
            guard u.count - k >= lit.count else { return false }
            for (n, b) in lit.enumerated() where u[k + n] != b { return false }
            return true
        }
        for (n, token) in byteTokens.enumerated() {
            let next: [UInt8]? = n + 1 < byteTokens.count && byteTokens[n + 1].kind == nil ? byteTokens[n + 1].literal : nil
            switch token.kind {
            case nil:
                guard literalAt(i, token.literal) else { return nil }
                i += token.literal.count
            case .path?:
                var end = u.count
                if let next {
                    var k = i
                    while k < u.count && !literalAt(k, next) { k += 1 }
                    guard k < u.count else { return nil }
                    end = k
                }
                guard end > i else { return nil }
                path = String(decoding: UnsafeBufferPointer(rebasing: u[i..<end]), as: UTF8.self)
                i = end
            case let kind?:
                var end = i
                while end < u.count, u[end] != UInt8(ascii: "/") {
                    if let next, u[end] == next[0], literalAt(end, next) { break }
                    end += 1
                }
                guard end > i else { return nil }
                let value = String(decoding: UnsafeBufferPointer(rebasing: u[i..<end]), as: UTF8.self)
                if kind == .owner { owner = value } else if kind == .repository { repository = value } else { branch = value }
                i = end
            }
        }
        guard i == u.count, let path, let owner, let repository else { return nil }
        if branch == nil, let at = repository.firstIndex(of: "@") {
            return Parts(owner: owner, repository: String(repository[..<at]),
                         branch: String(repository[repository.index(after: at)...]), path: path)
        }
        return Parts(owner: owner, repository: repository, branch: branch, path: path)
    }
}

/// Small helpers on URL text, without Foundation's URL parsing (which rejects some archive URLs).
public enum URLText {
    /// `url` without `#fragment` and `?query`.
    public static func withoutQueryFragment<S: StringProtocol>(_ url: S) -> Substring {
        var s = Substring(url)
        let u = s.utf8
        // The bytes in place when the text has them contiguous (a native string always does).
        let cut = u.withContiguousStorageIfAvailable { bytes in queryFragmentStart(bytes).map { u.index(u.startIndex, offsetBy: $0) } }
            ?? u.firstIndex(where: { $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "?") })
        if let cut { s = s[..<cut] }
        return s
    }

    /// The offset of the first '#' or '?'.
    private static func queryFragmentStart(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        bytes.firstIndex { $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "?") }
    }

    /// `withoutSchemeQueryFragment` on UTF-8 bytes.
    static func withoutSchemeQueryFragment(bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        withoutScheme(bytes: UnsafeBufferPointer(rebasing: bytes[..<(queryFragmentStart(bytes) ?? bytes.count)]))
    }

    /// The URL's bytes after `scheme://` (all of them when it has no scheme).
    static func withoutScheme(bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var u = bytes
        var i = 0
        while i < u.count, isSchemeByte(u[i]) { i += 1 }
        if i > 0, u.count - i >= 3, u[i] == UInt8(ascii: ":"), u[i + 1] == UInt8(ascii: "/"), u[i + 2] == UInt8(ascii: "/") {
            u = UnsafeBufferPointer(rebasing: u[(i + 3)...])
        }
        return u
    }

    /// A byte of a URL scheme: a letter, a digit, '+', '-' or '.'.
    private static func isSchemeByte(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 43 || c == 45 || c == 46
    }

    static func withoutSchemeQueryFragment<S: StringProtocol>(_ url: S) -> Substring {
        var s = withoutQueryFragment(url)
        let u = s.utf8
        var i = u.startIndex
        // Skip a scheme: letters, digits, '+', '-', '.' followed by "://".
        while i != u.endIndex, isSchemeByte(u[i]) {
            i = u.index(after: i)
        }
        if i != u.startIndex, u[i...].starts(with: "://".utf8) {
            s = s[u.index(i, offsetBy: 3)...]
        }
        return s
    }

    /// `originalKey(url)` with the URL's `?query` kept (its fragment dropped): tells apart
    /// originals that differ only in their query.
    public static func originalKey<S: StringProtocol>(_ url: S, keepingQuery: Bool) -> String {
        guard keepingQuery else { return originalKey(url) }
        var text = Substring(url)
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        guard let question = text.firstIndex(of: "?") else { return originalKey(text) }
        return originalKey(text[..<question]) + text[question...]
    }

    /// A key for comparing original URLs: host without `www.`, lower-cased, and the path;
    /// scheme, query and fragment dropped.
    public static func originalKey<S: StringProtocol>(_ url: S) -> String {
        // An ASCII URL (most are) from its bytes: each of them is a Character, and lowering an
        // ASCII letter is `lowercased()`'s.
        var text = String(url)
        if let key = text.withUTF8({ bytes -> String? in
            let u = withoutSchemeQueryFragment(bytes: bytes)
            guard u.allSatisfy({ $0 < 0x80 }) else { return nil }
            var key = Array(u)
            let slash = key.firstIndex(of: UInt8(ascii: "/")) ?? key.count
            for i in 0..<slash { key[i] = key[i].asciiLowercased }
            if slash >= 4, key.starts(with: "www.".utf8) { key.removeFirst(4) }
            return String(decoding: key, as: UTF8.self)
        }) {
            return key
        }
        var s = withoutSchemeQueryFragment(url)
        let slash = s.firstIndex(of: "/") ?? s.endIndex
        var host = s[..<slash].lowercased()
        if host.hasPrefix("www.") { host.removeFirst(4) }
        s = s[slash...]
        return host + s
    }

    /// Decodes `%XX` escapes of a URL found in a page: an invalid escape is kept as written, and
    /// bytes that are not UTF-8 become U+FFFD.
    public static func percentDecoded(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "%")) else { return s }
        return String(decoding: percentDecodedBytes(s, strict: false, plusIsSpace: false)!, as: UTF8.self)
    }

    /// Decodes `%XX` escapes of what a client sent: nil when an escape is malformed or the
    /// result is not UTF-8; with `plusIsSpace`, `+` is a space (form fields).
    public static func percentDecoded(strict text: some StringProtocol, plusIsSpace: Bool = false) -> String? {
        percentDecodedBytes(text, strict: true, plusIsSpace: plusIsSpace).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// The one `%XX` decoder: nil, when `strict`, at the first malformed escape; otherwise such
    /// an escape is kept as written.
    static func percentDecodedBytes(_ text: some StringProtocol, strict: Bool, plusIsSpace: Bool) -> [UInt8]? {
        let b = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "%"):
                if i + 2 < b.count, let h = hexValue(b[i + 1]), let l = hexValue(b[i + 2]) {
                    out.append(h << 4 | l); i += 3
                } else if strict {
                    return nil
                } else {
                    out.append(b[i]); i += 1
                }
            case UInt8(ascii: "+") where plusIsSpace:
                out.append(UInt8(ascii: " ")); i += 1
            default:
                out.append(b[i]); i += 1
            }
        }
        return out
    }

    /// The value of an ASCII hexadecimal digit, in either case.
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// A publication date from an original URL's path: `/gb/YY/M/D/` or `/gb/YYYY/MM/DD/`.
    public static func dateFromOriginalURL<S: StringProtocol>(_ url: S) -> String? {
        // On the UTF-8 bytes, in place: every indexed page's original URL goes through here.
        var text = String(url)
        return text.withUTF8 { bytes -> String? in
            let u = withoutSchemeQueryFragment(bytes: bytes)
            // The '/'-separated parts: the first "gb", and the four after it (the fourth may be
            // empty, but must be there).
            var after: [Range<Int>] = []
            var seenGB = false
            var start = 0
            for i in 0...u.count where i == u.count || u[i] == UInt8(ascii: "/") {
                if seenGB {
                    after.append(start..<i)
                    if after.count == 4 { break }
                } else if i - start == 2, u[start] == UInt8(ascii: "g"), u[start + 1] == UInt8(ascii: "b") {
                    seenGB = true
                    after.reserveCapacity(4)
                }
                start = i + 1
            }
            guard after.count == 4 else { return nil }
            func number(_ part: Range<Int>) -> Int? {
                guard !part.isEmpty, part.count <= 4, part.allSatisfy({ u[$0] >= 0x30 && u[$0] <= 0x39 }) else { return nil }
                return part.reduce(0) { $0 * 10 + Int(u[$1] - 0x30) }
            }
            guard let yn = number(after[0]), let mn = number(after[1]), let dn = number(after[2]) else { return nil }
            let year: Int
            switch after[0].count {
            case 2: year = 2000 + yn
            case 4: year = yn
            default: return nil
            }
            return formatDate(year: year, month: mn, day: dn)
        }
    }

    static func formatDate(year: Int, month: Int, day: Int) -> String? {
        guard (1990...2100).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
}
