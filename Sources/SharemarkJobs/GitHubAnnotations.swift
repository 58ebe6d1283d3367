import Foundation
import SharemarkArchive
#if canImport(Glibc)
import Glibc
#endif

/// GitHub Actions output of a check: workflow-command annotations, capped per kind because
/// GitHub shows only the first few of a step, and a Markdown step summary.
public enum GitHubAnnotations {
    public struct Annotation: Hashable, Sendable {
        public var severity: Finding.Severity
        /// A stable name; annotations are capped per kind.
        public var kind: String
        /// Relative to the repository root.
        public var file: String
        public var line: Int?
        public var message: String

        public init(severity: Finding.Severity, kind: String, file: String, line: Int?, message: String) {
            self.severity = severity; self.kind = kind; self.file = file; self.line = line; self.message = message
        }
    }

    /// One workflow command per annotation, at most `maxPerKind` of each kind, then one
    /// `::notice` line with the count of those left out.
    public static func lines(_ annotations: some Sequence<Annotation>, maxPerKind: Int) -> [String] {
        var shown: [String: Int] = [:]
        var omitted: [String: Int] = [:]
        var lines: [String] = []
        for a in annotations {
            guard shown[a.kind, default: 0] < maxPerKind else { omitted[a.kind, default: 0] += 1; continue }
            shown[a.kind, default: 0] += 1
            var properties = ["file=" + property(a.file)]
            if let line = a.line { properties.append("line=\(line)") }
            properties.append("title=" + property("sharemark " + a.kind))
            lines.append("::\(a.severity.rawValue) \(properties.joined(separator: ","))::" + data(a.message))
        }
        if !omitted.isEmpty {
            let total = omitted.values.reduce(0, +)
            let each = omitted.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append("::notice title=sharemark::" + data("\(total) more not annotated (at most \(maxPerKind) per kind): \(each)"))
        }
        return lines
    }

    /// A Markdown summary: a table of counts by kind, the first `maxPerKind` places of each kind
    /// as `file:line`, and the repair command.
    public static func stepSummary(title: String, annotations: some Sequence<Annotation>, maxPerKind: Int,
                                   repairCommand: String?) -> String {
        var out = "### \(markdown(title))\n\n"
        // Per kind: the count and the first `maxPerKind` (only those are kept).
        var byKind: [String: (count: Int, first: [Annotation])] = [:]
        for a in annotations {
            var entry = byKind[a.kind, default: (0, [])]
            entry.count += 1
            if entry.first.count < max(1, maxPerKind) { entry.first.append(a) }
            byKind[a.kind] = entry
        }
        if byKind.isEmpty {
            out += "Nothing found.\n"
        } else {
            out += "| kind | severity | count |\n|---|---|---:|\n"
            for (kind, entry) in byKind.sorted(by: { $0.key < $1.key }) {
                out += "| `\(kind)` | \(entry.first[0].severity.rawValue) | \(entry.count) |\n"
            }
            for (kind, entry) in byKind.sorted(by: { $0.key < $1.key }) {
                out += "\n**\(kind)**" + (entry.count > maxPerKind ? " (first \(maxPerKind) of \(entry.count))" : "") + "\n\n"
                for a in entry.first.prefix(maxPerKind) {
                    let place = a.line.map { "\(a.file):\($0)" } ?? a.file
                    out += "- `\(place.replacingOccurrences(of: "`", with: "'"))` \(markdown(a.message))\n"
                }
            }
        }
        if let repairCommand { out += "\nRepair: `\(repairCommand)`\n" }
        return out + "\n"
    }

    /// `file` joined to the archive folder as given, so that GitHub finds it from the
    /// repository root.
    public static func repositoryPath(_ file: String, archive: String) -> String {
        var base = archive
        while base.hasSuffix("/") && base.count > 1 { base.removeLast() }
        if base == "." || base.isEmpty { return file }
        if base.hasPrefix("./") { base.removeFirst(2) }
        return base + "/" + file
    }

    /// GitHub workflow-command escaping of a message.
    public static func data(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// GitHub workflow-command escaping of a property value.
    static func property(_ text: String) -> String {
        data(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }

    /// Text for a Markdown table cell: line breaks become spaces, HTML is escaped by the one
    /// markup escaper, and table pipes are escaped with a backslash.
    static func markdown(_ text: String) -> String {
        markupEscaped(text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ")).replacingOccurrences(of: "|", with: "\\|")
    }
}

/// The job summary file GitHub names in `GITHUB_STEP_SUMMARY`: appended to, made when missing.
public enum StepSummaryFile {
    /// Appends `markdown` (all of it) to `path`; the reason it could not, or nil.
    public static func append(_ markdown: String, to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot write the job summary to \(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        if let code = writeAll(fd, Array(markdown.utf8)) {
            return "cannot write the job summary to \(path): \(String(cString: strerror(code)))"
        }
        return nil
    }
}
