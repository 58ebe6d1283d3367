import Foundation
import SharemarkArchive

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
    /// Whether the archive's repository is known (configured or inferred from a footer). When it
    /// is not, `sharemark fix` cannot write a footer until `sharemark init` names it.
    public var repositoryKnown = true
    /// Lines for people about the archive as a whole (an image link history), printed before
    /// the counts and in the JSON.
    public var notes: [String] = []

    public init(archive: String, shard: Shard, findings: [Finding]) {
        self.archive = archive
        self.shard = shard.description
        self.findings = findings
        self.findings.sort {
            ($0.file, $0.line ?? 0, $0.kind.rawValue) < ($1.file, $1.line ?? 0, $1.kind.rawValue)
        }
    }

    public var errors: [Finding] { findings.filter { $0.severity == .error } }
    public var warnings: [Finding] { findings.filter { $0.severity == .warning } }
    /// Counted without copying: a report of an archive of 300,000 pages can hold as many findings.
    public var errorCount: Int { findings.count { $0.severity == .error } }
    public var warningCount: Int { findings.count { $0.severity == .warning } }

    /// 0 when clean, 1 when there are errors (or, with `strict`, warnings).
    public func exitCode(strict: Bool) -> Int32 {
        if errorCount > 0 { return 1 }
        if strict && warningCount > 0 { return 1 }
        return 0
    }

    /// The one command that repairs every finding a command can repair, nil when there is
    /// none: `sharemark fix` when any finding needs a footer rewritten (it also rewrites the
    /// PNGs, and removes orphans with `--remove-orphans`), else `sharemark regen [--stale]`.
    /// With the repository unknown, `fix` is preceded by the `init` that names it.
    public var repairCommand: String? {
        let repairs = Set(findings.compactMap(\.kind.repair))
        var words: [String]
        if repairs.contains(.fixFooters) || repairs.contains(.removeOrphans) {
            words = repositoryKnown ? [] : ["sharemark", "init", "--owner", "OWNER", "--repository", "REPOSITORY", shellQuoted(archive), "&&"]
            words += ["sharemark", "fix"]
            if repairs.contains(.removeOrphans) { words.append("--remove-orphans") }
        } else if repairs.contains(.regenerate(.stale)) {
            words = ["sharemark", "regen", "--stale"]
        } else if repairs.contains(.regenerate(.missing)) {
            words = ["sharemark", "regen"]
        } else {
            return nil
        }
        if shard != Shard.whole.description { words += ["--shard", shard] }
        words.append(shellQuoted(archive))
        return words.joined(separator: " ")
    }

    /// Findings no command repairs: the pages must be edited by hand.
    public var unrepairable: [Finding] { findings.filter { $0.kind.repair == nil } }

    public func render(_ format: Format, maxAnnotations: Int = 10) -> String {
        var out = ""
        var first = true
        write(format, maxAnnotations: maxAnnotations) { line in
            if !first { out += "\n" }
            out += line
            first = false
        }
        return out
    }

    /// The rendering, a line at a time (without line breaks): text and GitHub annotations are
    /// never held whole, a report of hundreds of thousands of findings being hundreds of
    /// megabytes of text. JSON and JUnit are one document each, handed over in one piece.
    public func write(_ format: Format, maxAnnotations: Int = 10, line: (String) -> Void) {
        switch format {
        case .text: writeText(line)
        case .json: line(json)
        case .junit: line(junit)
        case .github: writeGitHub(maxAnnotations: maxAnnotations, line)
        }
    }

    // MARK: text

    public var text: String { render(.text) }

    private func writeText(_ line: (String) -> Void) {
        for finding in findings { line(finding.description) }
        if !findings.isEmpty { line("") }
        notes.forEach(line)
        var byKind: [Finding.Kind: Int] = [:]
        var byHand = 0
        for finding in findings {
            byKind[finding.kind, default: 0] += 1
            if finding.severity == .error && finding.kind.repair == nil { byHand += 1 }
        }
        let counts = byKind.map { "\($0.value) \($0.key.rawValue)" }.sorted()
        line("checked \(pagesChecked) pages (\(pagesWithFooter) with a share footer) and \(assetsChecked) PNGs"
             + (shard == Shard.whole.description ? "" : " of shard \(shard)")
             + String(format: " in %.2f s", seconds))
        let errors = errorCount
        line("\(errors) errors, \(warningCount) warnings" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")))
        if let command = repairCommand {
            line("to repair them, run:" + (byHand > 0 ? " (\(byHand) errors need the pages edited by hand)" : ""))
            line("  \(command)")
        } else if errors == 0 {
            line("nothing needs repair")
        } else {
            line("no command repairs these errors: the pages need to be edited by hand")
        }
    }

    // MARK: JSON

    public var json: String {
        let encoder = JSONCoding.prettyEncoder
        let document = JSONDocument(
            archive: archive, shard: shard, pagesChecked: pagesChecked, pagesWithFooter: pagesWithFooter,
            assetsChecked: assetsChecked, errors: errorCount, warnings: warningCount,
            seconds: (seconds * 1000).rounded() / 1000, repairCommand: repairCommand, notes: notes, findings: findings)
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
        public var notes: [String]
        public var findings: [Finding]
    }

    // MARK: GitHub

    /// Workflow-command annotations, `::error file=F,line=L,title=KIND::MESSAGE`, at most
    /// `maxAnnotations` per kind (GitHub shows only the first few of a step), one line with the
    /// count of the rest, and a summary line. F is relative to the repository root (the archive
    /// folder given, joined with the file).
    public func github(maxAnnotations: Int = 10) -> String { render(.github, maxAnnotations: maxAnnotations) }

    private func writeGitHub(maxAnnotations: Int, _ line: (String) -> Void) {
        GitHubAnnotations.lines(findings.lazy.map(annotation), maxPerKind: maxAnnotations).forEach(line)
        for note in notes { line("::notice title=sharemark::\(note)") }
        line("sharemark verify: \(pagesChecked) pages, \(errorCount) errors, \(warningCount) warnings"
             + (repairCommand.map { "; repair: \($0)" } ?? ""))
    }

    /// The Markdown summary of a GitHub Actions step (`GITHUB_STEP_SUMMARY`): counts by kind,
    /// the first findings of each kind as `file:line`, the repair command.
    public func stepSummary(maxPerKind: Int = 10) -> String {
        GitHubAnnotations.stepSummary(
            title: "sharemark verify: \(errorCount) errors, \(warningCount) warnings in \(pagesChecked) pages",
            annotations: findings.lazy.map(annotation), maxPerKind: maxPerKind, repairCommand: repairCommand)
    }

    private func annotation(_ finding: Finding) -> GitHubAnnotations.Annotation {
        let decider = finding.decidedBy.map { " [\($0.rawValue)]" } ?? ""
        let repair = finding.repair.map { " Repair: \($0)." } ?? ""
        return .init(severity: finding.severity, kind: finding.kind.rawValue, file: repositoryPath(finding.file),
                     line: finding.line, message: finding.message + decider + repair)
    }

    private func repositoryPath(_ file: String) -> String {
        GitHubAnnotations.repositoryPath(file, archive: archive)
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
        xml += "  <testsuite name=\"\(markupEscaped(archive))\" tests=\"\(files.count)\" failures=\"\(failing)\" errors=\"0\" skipped=\"0\" time=\"\(time)\">\n"
        for file in files {
            let found = byFile[file] ?? []
            let name = markupEscaped(file)
            guard !found.isEmpty else {
                xml += "    <testcase classname=\"sharemark.verify\" name=\"\(name)\" file=\"\(name)\"/>\n"
                continue
            }
            xml += "    <testcase classname=\"sharemark.verify\" name=\"\(name)\" file=\"\(name)\">\n"
            for finding in found where finding.severity == .error {
                let place = finding.line.map { "\(finding.file):\($0)" } ?? finding.file
                xml += "      <failure type=\"\(finding.kind.rawValue)\" message=\"\(markupEscaped(finding.message))\">"
                    + "\(markupEscaped(place + ": " + finding.message))</failure>\n"
            }
            let warnings = found.filter { $0.severity == .warning }
            if !warnings.isEmpty {
                xml += "      <system-out>\(markupEscaped(warnings.map(\.description).joined(separator: "\n")))</system-out>\n"
            }
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>"
        return xml
    }
}

/// Quotes a word for a POSIX shell when it needs it.
public func shellQuoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%+,")
    if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
