/// A URL form with placeholders `{owner}`, `{repository}`, `{branch}` and `{path}`, such as
/// `https://github.com/{owner}/{repository}/blob/{branch}/{path}`. It renders URLs and matches
/// them back into their parts (the scheme is not compared: `http` and `https` both match).
public struct URLTemplate: Hashable, Sendable, Codable, CustomStringConvertible {
    public let text: String

    enum Token: Hashable { case literal(String), owner, repository, branch, path }
    let tokens: [Token]

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
        var out = ""
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
    public func match(_ url: some StringProtocol) -> Parts? {
        let u = Array(URLText.withoutSchemeQueryFragment(url).utf8)
        var i = 0
        var owner: String?, repository: String?, branch: String?, path: String?
        for (n, token) in tokens.enumerated() {
            let next: [UInt8]? = {
                if n + 1 < tokens.count, case .literal(let s) = tokens[n + 1] { return Array(s.utf8) }
                return nil
            }()
            switch token {
            case .literal(let s):
                var lit = Array(s.utf8)
                if n == 0 { lit = Array(URLText.withoutSchemeQueryFragment(s).utf8) }
                guard u.count - i >= lit.count, Array(u[i..<(i + lit.count)]) == lit else { return nil }
                i += lit.count
            case .path:
                var end = u.count
                if let next {
                    guard let found = URLText.find(next, in: u, from: i) else { return nil }
                    end = found
                }
                guard end > i else { return nil }
                path = String(decoding: u[i..<end], as: UTF8.self)
                i = end
            case .owner, .repository, .branch:
                var end = i
                while end < u.count, u[end] != UInt8(ascii: "/") {
                    if let next, u.count - end >= next.count, Array(u[end..<(end + next.count)]) == next { break }
                    end += 1
                }
                guard end > i else { return nil }
                let value = String(decoding: u[i..<end], as: UTF8.self)
                if token == .owner { owner = value } else if token == .repository { repository = value } else { branch = value }
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
        if let hash = s.firstIndex(of: "#") { s = s[..<hash] }
        if let q = s.firstIndex(of: "?") { s = s[..<q] }
        return s
    }

    static func withoutSchemeQueryFragment<S: StringProtocol>(_ url: S) -> Substring {
        var s = withoutQueryFragment(url)
        if let r = s.range(of: "://") { s = s[r.upperBound...] }
        return s
    }

    /// A key for comparing original URLs: host without `www.`, lower-cased, and the path;
    /// scheme, query and fragment dropped.
    public static func originalKey<S: StringProtocol>(_ url: S) -> String {
        var s = withoutSchemeQueryFragment(url)
        let slash = s.firstIndex(of: "/") ?? s.endIndex
        var host = s[..<slash].lowercased()
        if host.hasPrefix("www.") { host.removeFirst(4) }
        s = s[slash...]
        return host + s
    }

    /// Decodes `%XX` escapes; invalid escapes are kept as written.
    public static func percentDecoded(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                out.append(h << 4 | l); i += 3
            } else { out.append(b[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
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
        let s = withoutSchemeQueryFragment(url)
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard let gb = parts.firstIndex(of: "gb"), parts.count > gb + 4 else { return nil }
        let y = parts[gb + 1], m = parts[gb + 2], d = parts[gb + 3]
        guard let yn = Int(y), let mn = Int(m), let dn = Int(d),
              y.allSatisfy(\.isASCII), m.allSatisfy(\.isASCII), d.allSatisfy(\.isASCII) else { return nil }
        let year: Int
        switch y.count {
        case 2: year = 2000 + yn
        case 4: year = yn
        default: return nil
        }
        return formatDate(year: year, month: mn, day: dn)
    }

    static func formatDate(year: Int, month: Int, day: Int) -> String? {
        guard (1990...2100).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
}
