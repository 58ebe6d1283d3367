import SharemarkArchive

/// Parsing of what a client sends: path parameters and query strings.
enum RequestInput {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    static func percentDecoded<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String? {
        URLText.percentDecoded(strict: text, plusIsSpace: plusIsSpace)
    }

    /// A query string as form fields (`+` is a space), first value of each name kept.
    /// A field whose escapes are malformed maps to nil, so the caller can name it in a 400.
    static func query(_ query: String?) -> [String: String?] {
        var fields: [String: String?] = [:]
        guard let query, !query.isEmpty else { return fields }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0], plusIsSpace: true), fields[name] == nil else { continue }
            let value = parts.count > 1 ? parts[1] : ""
            fields[name] = .some(percentDecoded(value, plusIsSpace: true))
        }
        return fields
    }

    /// A category or id from the path: decoded, and refused (nil) when it could name anything
    /// but one file-name component: empty, `.`/`..`, a slash or backslash, NUL or control bytes.
    static func pathComponent<S: StringProtocol>(_ raw: S) -> String? {
        // One pass over the raw bytes when nothing is escaped (every request's case): the
        // checks below, on the text itself.
        var escaped = false
        for byte in raw.utf8 where byte == UInt8(ascii: "%") || !isAllowedInComponent(byte) {
            guard byte == UInt8(ascii: "%") else { return nil }
            escaped = true
            break
        }
        guard escaped else {
            guard !raw.isEmpty, !raw.utf8.starts(with: [UInt8(ascii: "."), UInt8(ascii: ".")]), raw != "." else { return nil }
            return String(raw)
        }
        guard let text = percentDecoded(raw), !text.isEmpty, text != ".", !text.hasPrefix("..") else { return nil }
        return text.utf8.allSatisfy(isAllowedInComponent) ? text : nil
    }

    /// Bytes, not scalars: every byte refused here is ASCII, and no byte of a longer UTF-8
    /// sequence is.
    private static func isAllowedInComponent(_ byte: UInt8) -> Bool {
        byte != UInt8(ascii: "/") && byte != UInt8(ascii: "\\") && byte >= 0x20 && byte != 0x7f
    }
}
