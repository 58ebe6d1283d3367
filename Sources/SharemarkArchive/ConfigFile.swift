/// A TOML 1.0 document (https://toml.io/en/v1.0.0), read for `sharemark.toml`: every key with
/// its value, its dotted name and the line it is written on.
///
/// The whole of TOML 1.0 is read: bare, quoted and dotted keys; `[table]` and `[[array of
/// tables]]` headers; basic, literal and multi-line strings with every escape; decimal, hex,
/// octal and binary integers (64-bit, overflow refused); floats, booleans, offset and local
/// date-times, dates and times; arrays (over several lines, with comments and a trailing comma)
/// and inline tables. What TOML 1.0 refuses is refused: control characters other than tab in
/// strings and comments (CR only before LF), unknown escapes and surrogates, leading zeros,
/// misplaced underscores, a key or table defined twice in any spelling (`qr.scale` and
/// `[qr] scale`, `"qr".scale`), a table extended by dotted keys from elsewhere or an inline table
/// extended at all. Each error names the file, the line of the key or of the offending text,
/// and the key when there is one: `sharemark.toml:7: key 'qr.scale': message`.
///
/// Entries are flat: an inline table `qr = { scale = 4 }` gives the entry `qr.scale`; a key part
/// that is not a bare key is shown quoted (`"a.b"` is one key, not `a` then `b`); the tables of
/// an array of tables are numbered from 0 (`fruits[1].name`), and each `[[fruits]]` header gives
/// an entry of its own (`fruits[1]`, an empty `.table`) so that even an empty one is seen.
///
/// Text arrives as a `String`: callers that read bytes decode them as UTF-8 first (ill-formed
/// sequences become U+FFFD), so this type sees only Unicode scalars.
///
/// Hand-written rather than TOMLKit: TOMLKit reports positions only for syntax errors, not the
/// line a key is on, which every error here must name; and `Scripts/fuzz.sh config` compiles the
/// GRDB-free sources of this module directly with swiftc, which a C++ dependency (TOMLKit wraps
/// toml++) would break.
public struct ConfigFile: Sendable {
    public enum Value: Hashable, Sendable {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        /// An offset date-time, local date-time, local date or local time, as written.
        case dateTime(String)
        /// An array whose items are all strings, or an empty array.
        case strings([String])
        /// Any other array.
        case array([Value])
        /// An inline table inside an array (keys relative to it), an empty inline table, or a
        /// `[[header]]` (its keys are entries of their own).
        case table([Entry])

        /// What the value is, for messages: "a string", "an integer", "a float", …
        public var kind: String {
            switch self {
            case .string: return "a string"
            case .integer: return "an integer"
            case .float: return "a float"
            case .boolean: return "a boolean"
            case .dateTime(let text):
                let scalars = Array(text.unicodeScalars)
                if scalars.count >= 3 && scalars[2] == ":" { return "a local time" }
                if scalars.count == 10 { return "a local date" }
                let last = scalars.last
                let offset = last == "Z" || last == "z" || (scalars.count > 6 && (scalars[scalars.count - 6] == "+" || scalars[scalars.count - 6] == "-"))
                return offset ? "an offset date-time" : "a local date-time"
            case .strings, .array: return "an array"
            case .table: return "a table"
            }
        }
    }

    public struct Entry: Hashable, Sendable {
        /// The dotted key: `owner`, `qr.scale`.
        public var key: String
        public var value: Value
        /// The value as written, for messages (line breaks shown as spaces).
        public var text: String
        public var line: Int
        /// Where the value is written: offsets of Unicode scalars in the parsed text (a BOM
        /// counted), for edits that change the value where it stands (`ConfigEdit`).
        public var valueScalars: Range<Int> = 0..<0

        /// Entries are equal by what they say (key, value, text, line), wherever they stand.
        public static func == (a: Entry, b: Entry) -> Bool {
            a.key == b.key && a.value == b.value && a.text == b.text && a.line == b.line
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(key); hasher.combine(value); hasher.combine(text); hasher.combine(line)
        }
    }

    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var key: String?
        public var message: String
        public var description: String {
            if let key { return "\(file):\(line): key '\(key)': \(message)" }
            return "\(file):\(line): \(message)"
        }
    }

    public var file: String
    /// Entries in the order written.
    public var entries: [Entry]

    /// The text of a configuration file's bytes. TOML is UTF-8: a file that is not is refused
    /// with its first line that is not, rather than read with replacement characters (which
    /// would turn an owner or a URL into one that looks right and is not).
    public static func text(of bytes: [UInt8], file: String) throws(Error) -> String {
        var line = 1
        var start = 0
        // Line by line: a newline byte is never part of a longer UTF-8 sequence.
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let valid = bytes.withUnsafeBufferPointer { UTF8Check.isValid(UnsafeBufferPointer(rebasing: $0[start..<end])) }
            if !valid { throw Error(file: file, line: line, key: nil, message: "not UTF-8 text (TOML files are UTF-8)") }
            start = end + 1
            line += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public init(parsing text: String, file: String) throws(Error) {
        self.file = file
        var parser = TOMLParser(text)
        do {
            entries = try parser.document()
        } catch {
            throw Error(file: file, line: error.line, key: error.key, message: error.message)
        }
    }

    /// A basic string on one line: quotes, backslashes and control characters escaped, so that
    /// any value renders to text that reads back the same.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A key part as it appears in a dotted key: bare when it can be, otherwise a basic string.
    static func display(_ part: String) -> String {
        if !part.isEmpty && part.unicodeScalars.allSatisfy(TOMLParser.isBareKeyScalar) { return part }
        return quoted(part)
    }

    static func join(_ prefix: String, _ parts: [String]) -> String {
        let tail = parts.map(display).joined(separator: ".")
        return prefix.isEmpty ? tail : prefix + "." + tail
    }
}

/// The failure of a parse: the line, the key when known, the message.
struct TOMLFailure: Swift.Error {
    var line: Int
    var key: String?
    var message: String
}

/// The tables a document defines, to refuse what it defines twice.
final class TOMLTable {
    enum Origin {
        /// Named by a `[header]` (or an element of `[[header]]`).
        case header
        /// Created as the parent of a header's table, not yet named by a header of its own.
        case implicit
        /// Created by a dotted key (`a.b = 1` creates `a`).
        case dotted
        /// An inline table: complete as written.
        case inline
    }
    enum Child {
        case table(TOMLTable)
        case tables(TOMLArrayOfTables)
        case value(line: Int)
    }
    var origin: Origin
    var line: Int
    /// By the key's UTF-8 bytes: TOML keys differ when their scalars do, whatever their
    /// canonical equivalence.
    var children: [[UInt8]: Child] = [:]
    init(_ origin: Origin, line: Int) { self.origin = origin; self.line = line }
}

final class TOMLArrayOfTables {
    var tables: [TOMLTable]
    var line: Int
    init(_ first: TOMLTable, line: Int) { tables = [first]; self.line = line }
}

extension TOMLTable.Child {
    var line: Int {
        switch self {
        case .table(let t): return t.line
        case .tables(let a): return a.line
        case .value(let line): return line
        }
    }
    var what: String {
        switch self {
        case .table(let t):
            switch t.origin {
            case .header, .implicit: return "a table"
            case .dotted: return "a table defined by dotted keys"
            case .inline: return "an inline table"
            }
        case .tables: return "an array of tables"
        case .value: return "a value"
        }
    }
}

struct TOMLParser {
    let s: [Unicode.Scalar]
    var i = 0
    var line = 1
    /// The key whose value is being read, for messages.
    var errorKey: String?
    /// Arrays and inline tables open around the current position.
    var depth = 0
    /// How deep arrays and inline tables may nest (far more than any configuration needs; the
    /// parser recurses once per level).
    static let maxDepth = 100

    /// 1 when the text starts with a BOM, which `s` leaves out.
    let bomScalars: Int

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        bomScalars = scalars.first == "\u{FEFF}" ? 1 : 0
        if bomScalars == 1 { scalars.removeFirst() }
        s = scalars
    }

    // MARK: Characters

    static func isBareKeyScalar(_ c: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }

    /// Control characters TOML refuses in strings and comments: all but tab (LF and CRLF end lines).
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        (c.value < 0x20 && c != "\t") || c.value == 0x7F
    }

    var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }
    func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }
    func starts(with text: String) -> Bool {
        var j = i
        for c in text.unicodeScalars {
            guard j < s.count, s[j] == c else { return false }
            j += 1
        }
        return true
    }

    /// Whether a line ends here: LF or CRLF.
    var atNewline: Bool { peek == "\n" || (peek == "\r" && peek(1) == "\n") }

    mutating func consumeNewline() {
        if peek == "\r" { i += 1 }
        i += 1
        line += 1
    }

    mutating func skipWhitespace() {
        while let c = peek, c == " " || c == "\t" { i += 1 }
    }

    func fail(_ message: String, line: Int? = nil) -> TOMLFailure {
        TOMLFailure(line: line ?? self.line, key: errorKey, message: message)
    }

    static func name(_ c: Unicode.Scalar) -> String {
        let hex = String(c.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// What is at the current position, for messages.
    var found: String {
        guard let c = peek else { return "end of file" }
        if atNewline { return "end of line" }
        if TOMLParser.isControl(c) || c == "\u{FEFF}" { return "control character \(TOMLParser.name(c))" }
        return "'\(String(c))'"
    }

    func controlCharacter(_ c: Unicode.Scalar, in place: String) -> TOMLFailure {
        if c == "\r" { return fail("carriage return not followed by a line feed in \(place)") }
        let hint = place == "a comment" ? "" : "; write it as \\u\(TOMLParser.name(c).dropFirst(2))"
        return fail("control character \(TOMLParser.name(c)) in \(place) (TOML allows only tab\(hint))")
    }

    /// A `#` comment up to the end of the line.
    mutating func comment() throws(TOMLFailure) {
        i += 1
        while let c = peek, !atNewline {
            if TOMLParser.isControl(c) { throw controlCharacter(c, in: "a comment") }
            i += 1
        }
    }

    /// Whitespace, then an optional comment, then the end of the line (or of the file).
    mutating func lineEnd(after what: String) throws(TOMLFailure) {
        skipWhitespace()
        if peek == "#" { try comment() }
        guard peek == nil || atNewline else { throw fail("expected the end of the line after \(what), found \(found)") }
        if peek != nil { consumeNewline() }
    }

    /// Whitespace, newlines and comments, inside an array.
    mutating func skipBlank() throws(TOMLFailure) {
        while let c = peek {
            if c == " " || c == "\t" { i += 1 }
            else if atNewline { consumeNewline() }
            else if c == "#" { try comment() }
            else { return }
        }
    }

    // MARK: Document

    mutating func document() throws(TOMLFailure) -> [ConfigFile.Entry] {
        var entries: [ConfigFile.Entry] = []
        let root = TOMLTable(.header, line: 1)
        var table = root
        var prefix = ""
        while true {
            errorKey = nil
            skipWhitespace()
            guard let c = peek else { break }
            if c == "#" {
                try comment()
                try lineEnd(after: "a comment")
            } else if atNewline {
                consumeNewline()
            } else if c == "[" {
                let (opened, start) = (line, i)
                let isArray = peek(1) == "["
                (table, prefix) = try header(root: root)
                if isArray {
                    entries.append(ConfigFile.Entry(key: prefix, value: .table([]), text: written(from: start), line: opened))
                }
                try lineEnd(after: "the table header")
            } else {
                let (key, more) = try keyValue(into: table, prefix: prefix, inArray: false)
                entries += more
                errorKey = key
                try lineEnd(after: "the value")
            }
        }
        return entries
    }

    /// `[a.b]` or `[[a.b]]`: the table it opens and its dotted name.
    mutating func header(root: TOMLTable) throws(TOMLFailure) -> (TOMLTable, String) {
        let headerLine = line
        i += 1
        let isArray = peek == "["
        if isArray { i += 1 }
        skipWhitespace()
        let parts: [String]
        do { parts = try key() } catch { throw fail("malformed table header: \(error.message)") }
        skipWhitespace()
        guard peek == "]" else { throw fail("malformed table header: expected ']', found \(found)") }
        i += 1
        if isArray {
            guard peek == "]" else { throw fail("malformed table header: expected ']]', found \(found)") }
            i += 1
        }
        let name = ConfigFile.join("", parts)
        let shown = isArray ? "[[\(name)]]" : "[\(name)]"
        errorKey = name
        var table = root
        var parent = root
        var prefix = ""
        for (n, part) in parts.enumerated() {
            let bytes = Array(part.utf8)
            let last = n == parts.count - 1
            let child = table.children[bytes]
            if last {
                parent = table
                switch child {
                case nil:
                    let new = TOMLTable(.header, line: headerLine)
                    table.children[bytes] = isArray ? .tables(TOMLArrayOfTables(new, line: headerLine)) : .table(new)
                    table = new
                case .table(let existing) where existing.origin == .implicit && !isArray:
                    existing.origin = .header
                    existing.line = headerLine
                    table = existing
                case .tables(let array) where isArray:
                    let new = TOMLTable(.header, line: headerLine)
                    array.tables.append(new)
                    table = new
                case let existing?:
                    if case .table(let t) = existing, t.origin == .header, !isArray {
                        throw fail("table \(shown) defined twice (first on line \(t.line))")
                    }
                    throw fail("table \(shown) cannot be defined: '\(name)' is already \(existing.what) (line \(existing.line))")
                }
                prefix = ConfigFile.join(prefix, [part])
            } else {
                let shownPart = ConfigFile.join(prefix, [part])
                switch child {
                case nil:
                    let new = TOMLTable(.implicit, line: headerLine)
                    table.children[bytes] = .table(new)
                    table = new
                    prefix = shownPart
                case .table(let t) where t.origin != .inline:
                    table = t
                    prefix = shownPart
                case .tables(let array):
                    table = array.tables[array.tables.count - 1]
                    prefix = shownPart + "[\(array.tables.count - 1)]"
                case let existing?:
                    throw fail("table \(shown) cannot be defined: '\(shownPart)' is already \(existing.what) (line \(existing.line))")
                }
            }
        }
        if isArray, case .tables(let array)? = parent.children[Array(parts[parts.count - 1].utf8)] {
            prefix += "[\(array.tables.count - 1)]"
        }
        return (table, prefix)
    }

    /// A key: simple keys joined by dots, whitespace allowed around the dots.
    mutating func key() throws(TOMLFailure) -> [String] {
        var parts = [try simpleKey()]
        while true {
            let save = i
            skipWhitespace()
            guard peek == "." else { i = save; return parts }
            i += 1
            skipWhitespace()
            parts.append(try simpleKey())
        }
    }

    mutating func simpleKey() throws(TOMLFailure) -> String {
        if peek == "\"" {
            if starts(with: "\"\"\"") { throw fail("a key cannot be a multi-line string") }
            return try basicString()
        }
        if peek == "'" {
            if starts(with: "'''") { throw fail("a key cannot be a multi-line string") }
            return try literalString()
        }
        let start = i
        while let c = peek, TOMLParser.isBareKeyScalar(c) { i += 1 }
        guard i > start else { throw fail("expected a key, found \(found)") }
        return String(String.UnicodeScalarView(s[start..<i]))
    }

    /// `key = value` into `table`; the entries it gives, their keys after `prefix`.
    mutating func keyValue(into table: TOMLTable, prefix: String, inArray: Bool) throws(TOMLFailure) -> (key: String, entries: [ConfigFile.Entry]) {
        let keyLine = line
        let parts = try key()
        let fullKey = ConfigFile.join(prefix, parts)
        let outerKey = errorKey
        if !inArray { errorKey = fullKey }
        defer { errorKey = outerKey }
        skipWhitespace()
        guard peek == "=" else { throw fail("expected '=' after the key, found \(found)") }
        i += 1
        skipWhitespace()
        var target = table
        var shown = prefix
        for part in parts.dropLast() {
            shown = ConfigFile.join(shown, [part])
            let bytes = Array(part.utf8)
            switch target.children[bytes] {
            case nil:
                let new = TOMLTable(.dotted, line: keyLine)
                target.children[bytes] = .table(new)
                target = new
            case .table(let t) where t.origin == .dotted:
                target = t
            case let existing?:
                throw fail("'\(shown)' is already \(existing.what) (line \(existing.line)): dotted keys cannot add to it", line: keyLine)
            }
        }
        let lastBytes = Array(parts[parts.count - 1].utf8)
        if let existing = target.children[lastBytes] {
            if case .value = existing {
                throw fail("defined twice (first on line \(existing.line))", line: keyLine)
            }
            throw fail("defined twice: already \(existing.what) (line \(existing.line))", line: keyLine)
        }
        let start = i
        if peek == "{" {
            let (inline, entries) = try inlineTable(prefix: fullKey, inArray: inArray)
            inline.line = keyLine
            target.children[lastBytes] = .table(inline)
            if entries.isEmpty {
                return (fullKey, [ConfigFile.Entry(key: fullKey, value: .table([]), text: written(from: start), line: keyLine)])
            }
            return (fullKey, entries)
        }
        let value = try self.value()
        target.children[lastBytes] = .value(line: keyLine)
        return (fullKey, [ConfigFile.Entry(key: fullKey, value: value, text: written(from: start), line: keyLine,
                                           valueScalars: (start + bomScalars)..<(i + bomScalars))])
    }

    /// The text from `start` to here, line breaks as spaces.
    func written(from start: Int) -> String {
        var out = String.UnicodeScalarView()
        var j = start
        while j < i {
            let c = s[j]
            if c == "\r" && j + 1 < i && s[j + 1] == "\n" { j += 1; continue }
            out.append(c == "\n" ? " " : c)
            j += 1
        }
        return String(out)
    }

    /// `{ k = v, … }` on one line (values inside may span lines): its table and entries, keys
    /// after `prefix` (relative when `inArray`).
    mutating func inlineTable(prefix: String, inArray: Bool) throws(TOMLFailure) -> (TOMLTable, [ConfigFile.Entry]) {
        try enter()
        defer { depth -= 1 }
        let table = TOMLTable(.inline, line: line)
        i += 1
        skipWhitespace()
        var entries: [ConfigFile.Entry] = []
        if peek == "}" { i += 1; return (table, entries) }
        while true {
            skipWhitespace()
            if atNewline { throw fail("an inline table must be on one line: expected a key, found end of line") }
            // Inside the inline table, dotted keys build sub-tables of its own.
            entries += try keyValue(into: table, prefix: prefix, inArray: inArray).entries
            skipWhitespace()
            if peek == "," { i += 1; continue }
            if peek == "}" { i += 1; break }
            if atNewline { throw fail("an inline table must be on one line: expected ',' or '}', found end of line") }
            throw fail("expected ',' or '}' in the inline table, found \(found)")
        }
        markInline(table)
        return (table, entries)
    }

    /// Sub-tables made by dotted keys inside an inline table are part of it: closed too.
    func markInline(_ table: TOMLTable) {
        table.origin = .inline
        for child in table.children.values {
            if case .table(let t) = child { markInline(t) }
        }
    }

    // MARK: Values

    mutating func value() throws(TOMLFailure) -> ConfigFile.Value {
        guard let c = peek else { throw fail("missing value") }
        if atNewline || c == "#" { throw fail("missing value") }
        switch c {
        case "\"":
            return .string(starts(with: "\"\"\"") ? try multilineBasicString() : try basicString())
        case "'":
            return .string(starts(with: "'''") ? try multilineLiteralString() : try literalString())
        case "[":
            return try array()
        case "{":
            let (_, entries) = try inlineTable(prefix: "", inArray: true)
            return .table(entries)
        default:
            return try scalarValue()
        }
    }

    mutating func enter() throws(TOMLFailure) {
        guard depth < TOMLParser.maxDepth else {
            throw fail("arrays and inline tables nested more than \(TOMLParser.maxDepth) deep")
        }
        depth += 1
    }

    /// An unterminated array is reported on the line it opens.
    mutating func array() throws(TOMLFailure) -> ConfigFile.Value {
        try enter()
        defer { depth -= 1 }
        let startLine = line
        i += 1
        var items: [ConfigFile.Value] = []
        while true {
            try skipBlank()
            if peek == "]" { i += 1; break }
            guard peek != nil else { throw fail("unterminated array", line: startLine) }
            items.append(try value())
            try skipBlank()
            if peek == "," { i += 1; continue }
            if peek == "]" { i += 1; break }
            guard peek != nil else { throw fail("unterminated array", line: startLine) }
            throw fail("expected ',' or ']' in the array, found \(found)")
        }
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item else { return .array(items) }
            strings.append(text)
        }
        return .strings(strings)
    }

    // MARK: Strings

    mutating func basicString() throws(TOMLFailure) -> String {
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek, !atNewline else { throw fail("unterminated string") }
            if c == "\"" { i += 1; return String(out) }
            if c == "\\" { out.append(try escape()); continue }
            if TOMLParser.isControl(c) { throw controlCharacter(c, in: "a string") }
            out.append(c)
            i += 1
        }
    }

    /// An escape at `\`, for basic strings.
    mutating func escape() throws(TOMLFailure) -> Unicode.Scalar {
        i += 1
        guard let e = peek, !atNewline else { throw fail("unterminated string") }
        i += 1
        switch e {
        case "b": return "\u{8}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = e == "u" ? 4 : 8
            var v: UInt32 = 0
            for n in 0..<count {
                guard let h = peek(n), TOMLParser.isHexDigit(h), let digit = UInt32(String(h), radix: 16) else {
                    throw fail("invalid \\\(e) escape: expected \(count) hexadecimal digits")
                }
                v = v &* 16 &+ digit
            }
            i += count
            guard let scalar = Unicode.Scalar(v) else {
                throw fail("invalid \\\(e) escape: \(String(v, radix: 16, uppercase: true)) is not a Unicode scalar value")
            }
            return scalar
        default:
            if TOMLParser.isControl(e) || e == " " { throw fail("invalid escape: '\\' followed by \(TOMLParser.name(e))") }
            throw fail("invalid escape \\\(String(e))")
        }
    }

    mutating func literalString() throws(TOMLFailure) -> String {
        i += 1
        let start = i
        while true {
            guard let c = peek, !atNewline else { throw fail("unterminated string") }
            if c == "'" { i += 1; return String(String.UnicodeScalarView(s[start..<(i - 1)])) }
            if TOMLParser.isControl(c) { throw controlCharacter(c, in: "a string") }
            i += 1
        }
    }

    /// After an opening `"""` or `'''`: a newline right after it is not part of the string.
    mutating func openMultiline() {
        i += 3
        if atNewline { consumeNewline() }
    }

    /// At `quote`: whether it closes the string (three to five quotes: up to two belong to it).
    mutating func closesMultiline(_ quote: Unicode.Scalar, into out: inout String.UnicodeScalarView) throws(TOMLFailure) -> Bool {
        var n = 0
        while peek(n) == quote { n += 1 }
        guard n >= 3 else { return false }
        guard n <= 5 else { throw fail("too many quotes (\(n)) at the end of a multi-line string") }
        for _ in 0..<(n - 3) { out.append(quote) }
        i += n
        return true
    }

    mutating func multilineBasicString() throws(TOMLFailure) -> String {
        let startLine = line
        openMultiline()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek else { throw fail("unterminated multi-line string", line: startLine) }
            if c == "\"" {
                if try closesMultiline("\"", into: &out) { return String(out) }
                out.append(c); i += 1
            } else if atNewline {
                consumeNewline()
                out.append("\n")
            } else if c == "\\" {
                // A backslash ending a line trims it and the whitespace and newlines after it.
                var j = i + 1
                while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
                if j < s.count && (s[j] == "\n" || (s[j] == "\r" && j + 1 < s.count && s[j + 1] == "\n")) {
                    i = j
                    while let d = peek, d == " " || d == "\t" || atNewline {
                        if atNewline { consumeNewline() } else { i += 1 }
                    }
                } else {
                    out.append(try escape())
                }
            } else if TOMLParser.isControl(c) {
                throw controlCharacter(c, in: "a string")
            } else {
                out.append(c); i += 1
            }
        }
    }

    mutating func multilineLiteralString() throws(TOMLFailure) -> String {
        let startLine = line
        openMultiline()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek else { throw fail("unterminated multi-line string", line: startLine) }
            if c == "'" {
                if try closesMultiline("'", into: &out) { return String(out) }
                out.append(c); i += 1
            } else if atNewline {
                consumeNewline()
                out.append("\n")
            } else if TOMLParser.isControl(c) {
                throw controlCharacter(c, in: "a string")
            } else {
                out.append(c); i += 1
            }
        }
    }

    // MARK: Numbers, booleans, dates and times

    static func isTokenScalar(_ c: Unicode.Scalar) -> Bool {
        isBareKeyScalar(c) || c == "+" || c == "." || c == ":"
    }

    /// A boolean, integer, float, date or time: one token (a date, a space and a time are one).
    mutating func scalarValue() throws(TOMLFailure) -> ConfigFile.Value {
        let start = i
        while let c = peek, TOMLParser.isTokenScalar(c) { i += 1 }
        if i - start == 10, peek == " ", let a = peek(1), let b = peek(2), peek(3) == ":",
           ("0"..."9").contains(a), ("0"..."9").contains(b), TOMLParser.date(s[start..<i]) {
            i += 1
            while let c = peek, TOMLParser.isTokenScalar(c) { i += 1 }
        }
        if i == start {
            // Not a value at all: show what is there, up to the next blank.
            while let c = peek, c != " ", c != "\t", !atNewline { i += 1 }
            throw fail("invalid value \(written(from: start)) (expected a string, number, boolean, date, time, array or inline table)")
        }
        let token = s[start..<i]
        let text = String(String.UnicodeScalarView(token))
        switch text {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if let first = token.first, ("0"..."9").contains(first) || first == "+" || first == "-" {
            if let value = try TOMLParser.integer(token, fail: fail("integer out of range (-9223372036854775808...9223372036854775807): \(text)")) {
                return .integer(value)
            }
            if let value = TOMLParser.float(token) { return .float(value) }
            if TOMLParser.dateTime(token) { return .dateTime(text) }
        }
        throw fail("invalid value \(text) (expected a string, number, boolean, date, time, array or inline table)")
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    static func isHexDigit(_ c: Unicode.Scalar) -> Bool { isDigit(c) || ("a"..."f").contains(c) || ("A"..."F").contains(c) }

    /// Digits with single underscores between them (never first, last or doubled).
    static func digits(_ t: ArraySlice<Unicode.Scalar>, _ isDigit: (Unicode.Scalar) -> Bool) -> Bool {
        guard let first = t.first, let last = t.last, isDigit(first), isDigit(last) else { return false }
        var previousUnderscore = false
        for c in t {
            if c == "_" {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if isDigit(c) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    /// A decimal integer part: `0`, or digits not starting with `0`.
    static func decimalDigits(_ t: ArraySlice<Unicode.Scalar>) -> Bool {
        digits(t, isDigit) && (t.first != "0" || t.count == 1)
    }

    static func withoutUnderscores(_ t: ArraySlice<Unicode.Scalar>) -> String {
        String(String.UnicodeScalarView(t.filter { $0 != "_" }))
    }

    /// The integer the token writes, nil when it is not one; throws `overflow` when it is one
    /// out of range.
    static func integer(_ token: ArraySlice<Unicode.Scalar>, fail overflow: @autoclosure () -> TOMLFailure) throws(TOMLFailure) -> Int? {
        var t = token
        if t.count > 2, t.first == "0", let base = t.dropFirst().first, base == "x" || base == "o" || base == "b" {
            t = t.dropFirst(2)
            let radix = base == "x" ? 16 : base == "o" ? 8 : 2
            let ok = digits(t) { c in
                radix == 16 ? isHexDigit(c) : radix == 8 ? ("0"..."7").contains(c) : c == "0" || c == "1"
            }
            guard ok else { return nil }
            guard let value = Int(withoutUnderscores(t), radix: radix) else { throw overflow() }
            return value
        }
        var sign = ""
        if let f = t.first, f == "+" || f == "-" { sign = f == "-" ? "-" : ""; t = t.dropFirst() }
        guard decimalDigits(t) else { return nil }
        guard let value = Int(sign + withoutUnderscores(t)) else { throw overflow() }
        return value
    }

    static func float(_ token: ArraySlice<Unicode.Scalar>) -> Double? {
        var t = token
        if let f = t.first, f == "+" || f == "-" { t = t.dropFirst() }
        let intEnd = t.firstIndex { $0 == "." || $0 == "e" || $0 == "E" } ?? t.endIndex
        guard intEnd != t.endIndex, decimalDigits(t[t.startIndex..<intEnd]) else { return nil }
        var rest = t[intEnd...]
        if rest.first == "." {
            rest = rest.dropFirst()
            let fracEnd = rest.firstIndex { $0 == "e" || $0 == "E" } ?? rest.endIndex
            guard digits(rest[rest.startIndex..<fracEnd], isDigit) else { return nil }
            rest = rest[fracEnd...]
        }
        if let e = rest.first, e == "e" || e == "E" {
            rest = rest.dropFirst()
            if let f = rest.first, f == "+" || f == "-" { rest = rest.dropFirst() }
            guard digits(rest, isDigit) else { return nil }
        } else if !rest.isEmpty {
            return nil
        }
        return Double(withoutUnderscores(token))
    }

    static func number(_ t: ArraySlice<Unicode.Scalar>) -> Int? {
        guard !t.isEmpty, t.allSatisfy(isDigit) else { return nil }
        return t.reduce(0) { $0 * 10 + Int($1.value - 48) }
    }

    /// `YYYY-MM-DD`, a real day.
    static func date(_ t: ArraySlice<Unicode.Scalar>) -> Bool {
        let a = Array(t)
        guard a.count == 10, a[4] == "-", a[7] == "-", let year = number(t.prefix(4)),
              let month = number(a[5..<7]), let day = number(a[8..<10]), (1...12).contains(month) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// `HH:MM:SS` with an optional fraction.
    static func time(_ t: ArraySlice<Unicode.Scalar>) -> Bool {
        let a = Array(t)
        guard a.count >= 8, a[2] == ":", a[5] == ":", let h = number(a[0..<2]), let m = number(a[3..<5]),
              let sec = number(a[6..<8]), h < 24, m < 60, sec <= 60 else { return false }
        if a.count == 8 { return true }
        return a[8] == "." && a.count > 9 && a[9...].allSatisfy(isDigit)
    }

    /// A local time, local date, local date-time or offset date-time.
    static func dateTime(_ token: ArraySlice<Unicode.Scalar>) -> Bool {
        let a = Array(token)
        if a.count >= 3 && a[2] == ":" { return time(token) }
        guard a.count >= 10, date(a[0..<10]) else { return false }
        if a.count == 10 { return true }
        guard a[10] == "T" || a[10] == "t" || a[10] == " " else { return false }
        var rest = a[11...]
        if let last = rest.last, last == "Z" || last == "z" {
            rest = rest.dropLast()
        } else if rest.count > 6, rest[rest.endIndex - 6] == "+" || rest[rest.endIndex - 6] == "-" {
            let offset = rest.suffix(5)
            guard offset[offset.startIndex + 2] == ":", let h = number(offset.prefix(2)), let m = number(offset.suffix(2)),
                  h < 24, m < 60 else { return false }
            rest = rest.dropLast(6)
        }
        return time(rest)
    }
}
