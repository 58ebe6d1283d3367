import ArgumentParser
import Foundation
import SharemarkArchive
import SharemarkJobs

extension ImageLinkForm: ExpressibleByArgument {}

struct FixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Repair share footers to the archive's own canonical form, then the QR PNGs they need.",
        discussion: """
            Rewrites only the footer lines that need it, keeping every other byte of the page: mirror URLs under an old repository name, \
            printed and linked mirror URLs that differ, footer URLs naming another page or another file, URLs whose raw ? or # \
            opens the folder instead of the page, and QR image links of the other form \
            become the page's own canonical URLs; a page without a footer gets one, worded and placed as the archive's other footers are \
            (with the original-URL line only when the original URL is known). A footer that cannot be read unambiguously is reported and left alone. \
            Then the PNGs the pages need are written, as `sharemark regen --stale` would.

            The archive's repository, branch and image link form (cdn or blob) come from sharemark.toml, or by majority from the footers; \
            the footer wording and layout are learned from the footers. Pages are written atomically; fix takes the regen lock.

            Exit codes: 0 done (with --check: nothing would change), 1 something was left alone or failed (with --check: something would change), \
            75 the archive is locked by another regen or fix, 78 the repository is unknown or the configuration is bad.
            """)

    @OptionGroup var options: ArchiveOptions
    @OptionGroup var work: WorkOptions
    @OptionGroup var locking: LockOptions

    @Flag(help: "Change nothing; print a unified diff of the pages and the PNGs that would be written or removed.")
    var dryRun = false

    @Flag(help: "Change nothing; list each page that would change and exit 1 if any would (for CI).")
    var check = false

    @Option(help: "With --check: text, json or github (workflow annotations).")
    var format: Report.Format = .text

    @Option(help: ArgumentHelp("With --check --format github: at most this many annotations per kind.", valueName: "n"))
    var maxAnnotations = 10

    @Option(help: ArgumentHelp("Move every footer's QR image link to this form (cdn or blob) and record it as image_url in sharemark.toml.",
                               valueName: "form"))
    var imageURL: ImageLinkForm?

    @Flag(help: "Also remove the PNGs no page references.")
    var removeOrphans = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if dryRun && check { throw ValidationError("--dry-run and --check exclude each other") }
        if format == .junit { throw ValidationError("--format takes text, json or github") }
        if maxAnnotations < 0 { throw ValidationError("--max-annotations must not be negative") }
    }

    func run() throws {
        try reportingErrors { try execute() }
    }

    private func execute() throws {
        let shard = try work.selectedShard
        try options.requireArchiveFolder()
        let changes = !dryRun && !check
        let lock = changes ? try locking.lock(options) : nil
        defer { lock?.release() }

        let (index, _) = try options.openUpdatedIndex()
        defer { index.waitForCheckpoint() }
        guard index.config.knowsRepository else { throw CLIError(ArchiveConfig.unknownRepositoryMessage, code: 78) }
        if changes {
            Regenerator.removeLeftovers(archive: options.archive, pages: try index.allArticles().map(\.pagePath))
            if let imageURL { try recordImageLinkForm(imageURL, index: index) }
        }
        let plan = try FixPlan.make(index: index, imageLinkForm: imageURL, removeOrphans: removeOrphans,
                                    shard: shard, jobs: work.threads)
        if check { return try printCheck(plan) }
        if dryRun { return printDryRun(plan) }
        // Old names are recorded before a footer loses them: a link already shared under one
        // keeps resolving, even if the run is stopped half-way.
        let aliases: [String]?
        do { aliases = try plan.recordOldNames(index: index) } catch let error as ConfigFile.Error {
            throw CLIError("cannot edit \(ArchiveConfig.fileName): \(error)", code: 78)
        } catch let error as AtomicFile.WriteError {
            throw CLIError("\(error)", code: 73)
        }
        if let aliases {
            FileHandle.standardError.write(Data("recorded in \(ArchiveConfig.fileName): aliases = \(ConfigEdit.stringArray(aliases))\n".utf8))
        }

        let bar = TerminalProgress()
        var progress: (@Sendable (Int, Int) -> Void)? = nil
        if bar.enabled { progress = { @Sendable done, total in bar.bar("writing QR images", done: done, total: total) } }
        let summary = try Fixer(archive: options.archive, jobs: work.threads).run(plan, index: index, progress: progress)
        bar.finish()
        if json { try printJSON(summary) } else { print(summary.text) }
        if !summary.succeeded { throw ExitCode(1) }
    }

    /// Writes `image_url` into sharemark.toml (the file keeps its other lines).
    private func recordImageLinkForm(_ form: ImageLinkForm, index: ArchiveIndex) throws {
        var config = index.config
        config.imageLinkForm = form
        try editConfig([("image_url", ConfigFile.quoted(form.rawValue))], created: config)
        // Read the configuration again, so that the plan uses the recorded form.
        try index.update()
    }

    /// Sets keys of sharemark.toml in place (or writes `created` when there is none); on any
    /// failure the file stays as it was and the run stops: 78 for an edit that would not read
    /// back, 73 for a write that failed.
    private func editConfig(_ settings: [(key: String, value: String)], created: ArchiveConfig) throws {
        do {
            _ = try ConfigEdit.apply(settings, archive: options.archive, created: { created.render() })
        } catch let error as ConfigFile.Error {
            throw CLIError("cannot edit \(ArchiveConfig.fileName): \(error)", code: 78)
        } catch {
            throw CLIError("\(error)", code: 73)
        }
    }

    private func printCheck(_ plan: FixPlan) throws {
        let entries = plan.entries
        switch format {
        case .json:
            struct Document: Encodable {
                var archive: String; var wouldChange: Int; var pages: [FixPlan.Entry]; var refused: [RefusedRepair]
            }
            try printJSON(Document(archive: options.archive, wouldChange: entries.count, pages: entries, refused: plan.footers.refused))
        case .github:
            let annotations = entries.map { entry in
                GitHubAnnotations.Annotation(
                    severity: .error, kind: entry.kinds.first ?? "fix", file: GitHubAnnotations.repositoryPath(entry.page, archive: options.archive),
                    line: entry.line, message: entry.changes.joined(separator: "; ") + ". Repair: sharemark fix.")
            }
            for line in GitHubAnnotations.lines(annotations, maxPerKind: maxAnnotations) { print(line) }
            let command = "sharemark fix" + (removeOrphans ? " --remove-orphans" : "") + " " + shellQuoted(options.archive)
            print("sharemark fix --check: \(entries.count) files would change" + (entries.isEmpty ? "" : "; repair: \(command)"))
            appendStepSummary(GitHubAnnotations.stepSummary(
                title: "sharemark fix --check: \(entries.count) files would change", annotations: annotations,
                maxPerKind: maxAnnotations, repairCommand: entries.isEmpty ? nil : command))
        default:
            for entry in entries { print(entry.text) }
            for r in plan.footers.refused { printError("\(r.page)\(r.line.map { ":\($0)" } ?? ""): left alone: \(r.reason)") }
            print(entries.isEmpty ? "nothing would change" : "\(entries.count) files would change; run: sharemark fix \(shellQuoted(options.archive))")
        }
        if plan.changesSomething { throw ExitCode(1) }
    }

    private func printDryRun(_ plan: FixPlan) {
        let color = isatty(STDOUT_FILENO) == 1
        for repair in plan.footers.repairs { print(UnifiedDiff.render(repair, color: color)) }
        for item in plan.regeneration.items { print("would write \(item.asset.value) (\(item.reason))") }
        for orphan in plan.orphans { print("would delete \(orphan.path.value)") }
        for r in plan.footers.refused { printError("\(r.page)\(r.line.map { ":\($0)" } ?? ""): left alone: \(r.reason)") }
        print("would rewrite \(plan.footers.repairs.count) pages, write \(plan.regeneration.items.count) PNGs, delete \(plan.orphans.count) PNGs; "
              + "\(plan.footers.refused.count) footers left alone")
    }
}

/// Appends to the GitHub Actions step summary when `GITHUB_STEP_SUMMARY` names a file.
func appendStepSummary(_ markdown: String) {
    guard let path = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
    if let failure = StepSummaryFile.append(markdown, to: path) {
        // The step goes on (its findings are in the annotations), but says the summary is missing.
        print("::warning title=sharemark::\(GitHubAnnotations.data(failure))")
        printError("sharemark: warning: \(failure)")
    }
}
