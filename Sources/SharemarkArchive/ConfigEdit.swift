import Foundation

/// Edits of a `sharemark.toml` that keep every other byte of its text (comments, order, the
/// way each key is spelt).
public enum ConfigEdit {
    /// `text` with `key` (dotted, as `ConfigFile` names it: `image_url`, `qr.scale`) set to
    /// `value` (TOML text). The value is replaced where the parser found it, whether the key is
    /// written bare, quoted, dotted, under a `[table]` or in an inline table; a key not there is
    /// added as a line of its own at the top, after the leading comments (a top-level key must
    /// come before the first table). The result is parsed again and must hold `key = value`
    /// with every other entry as it was; otherwise this throws and the caller keeps the old file.
    public static func setting(_ key: String, to value: String, in text: String,
                               file: String = ArchiveConfig.fileName) throws(ConfigFile.Error) -> String {
        let before = try ConfigFile(parsing: text, file: file)
        var scalars = Array(text.unicodeScalars)
        if let entry = before.entries.first(where: { $0.key == key }), !entry.valueScalars.isEmpty {
            scalars.replaceSubrange(entry.valueScalars, with: value.unicodeScalars)
        } else {
            guard !key.contains("."), !key.contains("\"") else {
                throw ConfigFile.Error(file: file, line: 1, key: key, message: "not in the file, and only a top-level key is added")
            }
            // After the leading lines that are blank or comments (and a BOM).
            var at = scalars.first == "\u{FEFF}" ? 1 : 0
            var lineStart = at
            while lineStart < scalars.count {
                var end = lineStart
                while end < scalars.count && scalars[end] != "\n" { end += 1 }
                let line = String(String.UnicodeScalarView(scalars[lineStart..<end])).trimmed()
                guard line.isEmpty || line.hasPrefix("#") else { break }
                lineStart = min(end + 1, scalars.count)
                at = lineStart
            }
            let newline = text.contains("\r\n") ? "\r\n" : "\n"
            var insertion = "\(key) = \(value)\(newline)"
            // A file whose last line has no newline, all comments: the key goes on a line of its own.
            if at == scalars.count, let last = scalars.last, last != "\n" { insertion = newline + insertion }
            scalars.insert(contentsOf: insertion.unicodeScalars, at: at)
        }
        let result = String(String.UnicodeScalarView(scalars))
        let after = try ConfigFile(parsing: result, file: file)
        let expected = try ConfigFile(parsing: "v = \(value)", file: file).entries.map(\.value)
        let others = { (entries: [ConfigFile.Entry]) in entries.filter { $0.key != key }.map { "\($0.key)=\($0.value)" } }
        guard after.entries.filter({ $0.key == key }).map(\.value) == expected, others(after.entries) == others(before.entries) else {
            throw ConfigFile.Error(file: file, line: 1, key: key, message: "the edit would not read back as \(key) = \(value); the file is left as it is")
        }
        return result
    }

    /// Sets each of `settings` (key, TOML value text) in `<archive>/sharemark.toml`, or writes
    /// `created` there when there is no such file. The new text is checked (`setting`) before
    /// the file is replaced, atomically and without following a link; on any failure the old
    /// file stays. Throws `ConfigFile.Error` (the edit) or `AtomicFile.WriteError` (the write).
    public static func apply(_ settings: [(key: String, value: String)], archive: String,
                             created: () -> String) throws -> String {
        var text: String
        if let bytes = try ArchiveConfig.fileBytes(archive: archive) {
            text = try ConfigFile.text(of: bytes, file: ArchiveConfig.fileName)
            for (key, value) in settings { text = try setting(key, to: value, in: text) }
        } else {
            text = created()
            _ = try ConfigFile(parsing: text, file: ArchiveConfig.fileName)
        }
        try AtomicFile.Folder(archive: archive, relative: "").write(Array(text.utf8), name: ArchiveConfig.fileName)
        return text
    }

    /// A TOML array of basic strings.
    public static func stringArray(_ items: [String]) -> String {
        "[" + items.map { ConfigFile.quoted($0) }.joined(separator: ", ") + "]"
    }
}
