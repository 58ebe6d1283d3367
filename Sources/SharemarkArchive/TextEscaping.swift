/// Text for XML 1.0 and HTML, in element content and in quoted attribute values alike: the
/// one escaper of Sharemark (JUnit reports, the service's HTML page).
///
/// `&`, `<`, `>`, both quotes, and the line breaks and tabs (which attribute values would
/// otherwise fold into spaces) become character references; the control characters XML 1.0
/// allows in no form, and U+FFFE/U+FFFF, become U+FFFD.
public func markupEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\n", "\t", "\r": out += "&#\(scalar.value);"
        default:
            if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                out += "\u{FFFD}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

extension Character {
    /// A space or a tab: the blanks of TOML and of HTTP header values.
    public var isSpaceOrTab: Bool { self == " " || self == "\t" }
}

extension StringProtocol {
    /// The text without the characters at either end for which `isTrimmed` holds (by default
    /// Unicode whitespace). The one trim of Sharemark.
    public func trimmed(where isTrimmed: (Character) -> Bool = { $0.isWhitespace }) -> Substring {
        let whole = Substring(self)
        guard let first = whole.firstIndex(where: { !isTrimmed($0) }),
              let last = whole.lastIndex(where: { !isTrimmed($0) }) else { return whole[whole.endIndex...] }
        return whole[first...last]
    }

    /// Whether the text starts with `prefix`, ASCII letters compared without case: for HTML tag
    /// names, without lowercasing (and copying) the whole text.
    public func hasASCIIPrefixIgnoringCase(_ prefix: String) -> Bool {
        var text = utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = text.next() else { return false }
            guard byte.asciiLowercased == expected.asciiLowercased else { return false }
        }
        return true
    }
}

extension UInt8 {
    /// The byte with an ASCII capital letter lowered (what `lowercased()` does to that
    /// Character); every other byte as it is.
    var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self + 0x20 : self }
}
