/// The subset of TOML that `sharemark.toml` uses: `[table]` headers, `key = value` with bare
/// keys, basic ("…") and literal ('…') strings, integers, booleans, arrays of strings (on one
/// line or several), and `#` comments. Anything else is an error with file, line and key.
public struct ConfigFile: Sendable {
    public enum Value: Hashable, Sendable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case strings([String])
    }

    public struct Entry: Hashable, Sendable {
        /// The dotted key: `owner`, `qr.scale`.
        public var key: String
        public var value: Value
        /// The value as written, for messages.
        public var text: String
        public var line: Int
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

    public init(parsing text: String, file: String) throws(Error) {
        self.file = file
        var entries: [Entry] = []
        var seen: Set<String> = []
        var table = ""
        // "\r\n" is one Character in Swift: split on it as well as on "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }[...]
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[lines.startIndex] = first.dropFirst() }
        var number = 0
        while let raw = lines.popFirst() {
            number += 1
            let lineNumber = number
            let line = ConfigFile.strippingComment(raw).trimmingCharacters()
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else {
                    throw Error(file: file, line: lineNumber, key: nil, message: "malformed table header \(line)")
                }
                let name = line.dropFirst().dropLast().trimmingCharacters()
                guard ConfigFile.isBareKey(name) else {
                    throw Error(file: file, line: lineNumber, key: nil, message: "malformed table name '\(name)'")
                }
                guard !seen.contains("[\(name)]") else {
                    throw Error(file: file, line: lineNumber, key: nil, message: "table [\(name)] defined twice")
                }
                seen.insert("[\(name)]")
                table = name
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw Error(file: file, line: lineNumber, key: nil, message: "expected 'key = value', found \(line)")
            }
            let bare = line[..<eq].trimmingCharacters()
            guard ConfigFile.isBareKey(bare) else {
                throw Error(file: file, line: lineNumber, key: nil, message: "malformed key '\(bare)'")
            }
            let key = table.isEmpty ? bare : "\(table).\(bare)"
            var valueText = line[line.index(after: eq)...].trimmingCharacters()
            if valueText.hasPrefix("[") {
                // A multi-line array continues until its closing bracket.
                while !ConfigFile.arrayIsClosed(valueText), let more = lines.popFirst() {
                    number += 1
                    valueText += " " + ConfigFile.strippingComment(more).trimmingCharacters()
                }
            }
            guard !seen.contains(key) else {
                throw Error(file: file, line: lineNumber, key: key, message: "defined twice")
            }
            seen.insert(key)
            do {
                let value = try ConfigFile.parseValue(valueText)
                entries.append(Entry(key: key, value: value, text: valueText, line: lineNumber))
            } catch let message {
                throw Error(file: file, line: lineNumber, key: key, message: message.text)
            }
        }
        self.entries = entries
    }

    struct Message: Swift.Error { var text: String }

    static func isBareKey(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
    }

    /// The line without a `#` comment (a `#` inside a string is kept).
    static func strippingComment(_ line: Substring) -> Substring {
        // By Unicode scalar: a quote followed by a combining mark is one Character.
        var quote: Unicode.Scalar? = nil
        var escaped = false
        for i in line.unicodeScalars.indices {
            let c = line.unicodeScalars[i]
            if let q = quote {
                if escaped { escaped = false; continue }
                if c == "\\" && q == "\"" { escaped = true; continue }
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return line[..<i]
            }
        }
        return line
    }

    static func arrayIsClosed(_ text: String) -> Bool {
        var quote: Unicode.Scalar? = nil
        var escaped = false
        for c in text.unicodeScalars {
            if let q = quote {
                if escaped { escaped = false; continue }
                if c == "\\" && q == "\"" { escaped = true; continue }
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" { quote = c } else if c == "]" { return true }
        }
        return false
    }

    static func parseValue(_ text: String) throws(Message) -> Value {
        guard let first = text.unicodeScalars.first else { throw Message(text: "missing value") }
        if first == "\"" || first == "'" {
            var rest = Substring(text)
            let s = try parseString(&rest)
            guard rest.trimmingCharacters().isEmpty else { throw Message(text: "unexpected text after string: \(rest)") }
            return .string(s)
        }
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        if first == "[" {
            var rest = Substring(text.dropFirst())
            var items: [String] = []
            while true {
                rest = rest.drop(while: { $0 == " " || $0 == "\t" })
                if rest.first == "]" { rest = rest.dropFirst(); break }
                guard let c = rest.unicodeScalars.first else { throw Message(text: "unterminated array") }
                guard c == "\"" || c == "'" else { throw Message(text: "expected an array of strings, found \(text)") }
                items.append(try parseString(&rest))
                rest = rest.drop(while: { $0 == " " || $0 == "\t" })
                if rest.first == "," { rest = rest.dropFirst(); continue }
                if rest.first == "]" { rest = rest.dropFirst(); break }
                throw Message(text: "expected ',' or ']' in array, found \(text)")
            }
            guard rest.trimmingCharacters().isEmpty else { throw Message(text: "unexpected text after array: \(rest)") }
            return .strings(items)
        }
        var digits = text
        if digits.hasPrefix("+") { digits.removeFirst() }
        let clean = digits.replacingUnderscores()
        if !clean.isEmpty, clean.drop(while: { $0 == "-" }).allSatisfy(\.isASCIIDigit), let n = Int(clean) {
            return .integer(n)
        }
        throw Message(text: "unsupported value \(text) (expected a string, integer, boolean or array of strings)")
    }

    /// Works on Unicode scalars, not Characters: a combining mark after a quote or after the
    /// hex digits of an escape would otherwise merge with them into one Character.
    static func parseString(_ s: inout Substring) throws(Message) -> String {
        var scalars = s.unicodeScalars[...]
        let quote = scalars.removeFirst()
        var out = String.UnicodeScalarView()
        while let c = scalars.popFirst() {
            if c == quote {
                s = Substring(scalars)
                return String(out)
            }
            if c == "\\" && quote == "\"" {
                guard let e = scalars.popFirst() else { break }
                switch e {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "u", "U":
                    let count = e == "u" ? 4 : 8
                    let hex = scalars.prefix(count)
                    guard hex.count == count, hex.allSatisfy(\.properties.isASCIIHexDigit),
                          let v = UInt32(String(String.UnicodeScalarView(hex)), radix: 16), let scalar = Unicode.Scalar(v) else {
                        throw Message(text: "invalid \\\(e) escape")
                    }
                    out.append(scalar)
                    scalars = scalars.dropFirst(count)
                default: throw Message(text: "invalid escape \\\(e)")
                }
            } else {
                out.append(c)
            }
        }
        throw Message(text: "unterminated string")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }

    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
