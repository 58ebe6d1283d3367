import Foundation

/// The result of `sharemark verify`: the findings, ordered by file and line, with counts, and
/// its renderings for people (text), programs (JSON), test dashboards (JUnit XML) and GitHub
/// Actions (workflow-command annotations).
public struct Report: Hashable, Sendable, Codable {
    public enum Format: String, CaseIterable, Sendable, Codable {
        case text, json, junit, github
    }

    public var archive: String
    public var shard: String
    public var findings: [Finding]
    public var pagesChecked: Int = 0
    public var pagesWithFooter: Int = 0
    public var assetsChecked: Int = 0
    public var seconds: Double = 0
    /// The pages with a share footer that were checked (one JUnit test case each).
    public var checkedPages: [String] = []

    public init(archive: String, shard: Shard, findings: [Finding]) {
        self.archive = archive
        self.shard = shard.description
        self.findings = findings.sorted {
            ($0.file, $0.line ?? 0, $0.kind.rawValue) < ($1.file, $1.line ?? 0, $1.kind.rawValue)
        }
    }

    public var errors: [Finding] { findings.filter { $0.severity == .error } }
    public var warnings: [Finding] { findings.filter { $0.severity == .warning } }

    /// 0 when clean, 1 when there are errors (or, with `strict`, warnings).
    public func exitCode(strict: Bool) -> Int32 {
        if !errors.isEmpty { return 1 }
        if strict && !warnings.isEmpty { return 1 }
        return 0
    }

    /// The regeneration mode that repairs every repairable error, nil when there is none.
    public var repairMode: RegenerationMode? {
        let modes = Set(errors.compactMap(\.kind.repair))
        if modes.contains(.stale) { return .stale }
        if modes.contains(.missing) { return .missing }
        return nil
    }

    /// The exact command that repairs what `sharemark regen` can repair, nil when nothing.
    public var repairCommand: String? {
        guard let mode = repairMode else { return nil }
        var words = ["sharemark", "regen"]
        if mode == .stale { words.append("--stale") }
        if shard != Shard.whole.description { words += ["--shard", shard] }
        words.append(shellQuoted(archive))
        return words.joined(separator: " ")
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .text: return text
        case .json: return json
        case .junit: return junit
        case .github: return github
        }
    }

    // MARK: text

    public var text: String {
        var lines = findings.map(\.description)
        if !lines.isEmpty { lines.append("") }
        let counts = Dictionary(grouping: findings, by: \.kind).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
        lines.append("checked \(pagesChecked) pages (\(pagesWithFooter) with a share footer) and \(assetsChecked) PNGs"
                     + (shard == Shard.whole.description ? "" : " of shard \(shard)")
                     + String(format: " in %.2f s", seconds))
        lines.append("\(errors.count) errors, \(warnings.count) warnings" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")))
        if let command = repairCommand {
            let unrepairable = errors.filter { $0.kind.repair == nil }.count
            lines.append("to repair the QR images, run:" + (unrepairable > 0 ? " (\(unrepairable) errors need the pages edited)" : ""))
            lines.append("  \(command)")
        } else if errors.isEmpty {
            lines.append("nothing needs repair")
        } else {
            lines.append("no QR image needs repair; the errors above need the pages edited")
        }
        return lines.joined(separator: "\n")
    }

    // MARK: JSON

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let document = JSONDocument(
            archive: archive, shard: shard, pagesChecked: pagesChecked, pagesWithFooter: pagesWithFooter,
            assetsChecked: assetsChecked, errors: errors.count, warnings: warnings.count,
            seconds: (seconds * 1000).rounded() / 1000, repairCommand: repairCommand, findings: findings)
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self)
    }

    /// The JSON shape: counts, the repair command (null when none) and the findings.
    public struct JSONDocument: Codable, Sendable {
        public var archive: String
        public var shard: String
        public var pagesChecked: Int
        public var pagesWithFooter: Int
        public var assetsChecked: Int
        public var errors: Int
        public var warnings: Int
        public var seconds: Double
        public var repairCommand: String?
        public var findings: [Finding]
    }

    // MARK: GitHub

    /// One workflow command per finding: `::error file=F,line=L,title=KIND::MESSAGE`, where F
    /// is relative to the repository root (the archive folder given joined with the file).
    public var github: String {
        var lines: [String] = []
        for finding in findings {
            var properties = ["file=" + githubProperty(repositoryPath(finding.file))]
            if let line = finding.line { properties.append("line=\(line)") }
            properties.append("title=" + githubProperty("sharemark " + finding.kind.rawValue))
            let decider = finding.decidedBy.map { " [\($0.rawValue)]" } ?? ""
            lines.append("::\(finding.severity.rawValue) \(properties.joined(separator: ","))::"
                         + githubData(finding.message + decider))
        }
        lines.append("sharemark verify: \(pagesChecked) pages, \(errors.count) errors, \(warnings.count) warnings"
                     + (repairCommand.map { "; repair: \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }

    private func repositoryPath(_ file: String) -> String {
        var base = archive
        while base.hasSuffix("/") && base.count > 1 { base.removeLast() }
        if base == "." || base.isEmpty { return file }
        if base.hasPrefix("./") { base.removeFirst(2) }
        return base + "/" + file
    }

    // MARK: JUnit

    /// One test suite; one test case per page with a footer (and per orphan PNG), failed by
    /// its errors; warnings go to `system-out`.
    public var junit: String {
        let byFile = Dictionary(grouping: findings, by: \.file)
        let files = Set(checkedPages).union(byFile.keys).sorted()
        let failing = byFile.values.filter { $0.contains { $0.severity == .error } }.count
        let time = String(format: "%.3f", seconds)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"sharemark verify\" tests=\"\(files.count)\" failures=\"\(failing)\" errors=\"0\" time=\"\(time)\">\n"
        xml += "  <testsuite name=\"\(xmlEscaped(archive))\" tests=\"\(files.count)\" failures=\"\(failing)\" errors=\"0\" skipped=\"0\" time=\"\(time)\">\n"
        for file in files {
            let found = byFile[file] ?? []
            let name = xmlEscaped(file)
            guard !found.isEmpty else {
                xml += "    <testcase classname=\"sharemark.verify\" name=\"\(name)\" file=\"\(name)\"/>\n"
                continue
            }
            xml += "    <testcase classname=\"sharemark.verify\" name=\"\(name)\" file=\"\(name)\">\n"
            for finding in found where finding.severity == .error {
                let place = finding.line.map { "\(finding.file):\($0)" } ?? finding.file
                xml += "      <failure type=\"\(finding.kind.rawValue)\" message=\"\(xmlEscaped(finding.message))\">"
                    + "\(xmlEscaped(place + ": " + finding.message))</failure>\n"
            }
            let warnings = found.filter { $0.severity == .warning }
            if !warnings.isEmpty {
                xml += "      <system-out>\(xmlEscaped(warnings.map(\.description).joined(separator: "\n")))</system-out>\n"
            }
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>"
        return xml
    }
}

func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\n": out += "&#10;"
        case "\t", "\r": out += "&#\(scalar.value);"
        default:
            // XML 1.0 allows no other control characters, not even escaped.
            if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}

/// GitHub workflow-command escaping of a message.
func githubData(_ text: String) -> String {
    text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
        .replacingOccurrences(of: "\n", with: "%0A")
}

/// GitHub workflow-command escaping of a property value.
func githubProperty(_ text: String) -> String {
    githubData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
}

/// Quotes a word for a POSIX shell when it needs it.
public func shellQuoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%+,")
    if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
