import ArgumentParser
import Foundation
import SharemarkArchive
import SharemarkJobs

extension Report.Format: ExpressibleByArgument {}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every share footer against its QR code PNG.",
        discussion: """
            Errors: a missing PNG, an unreadable PNG, a QR code that does not encode exactly the footer's mirror URL, a QR image outside the archive, printed and linked mirror URLs that differ, \
            a footer URL that is not http(s) or names another page, a page or PNG that cannot be read. \
            Warnings: a mirror URL under an old repository name, a QR image link of the other form than the archive's (image-url-other-form; \
            the archive's form is image_url in sharemark.toml, or what most footers use), a page without a footer, a PNG no page references, \
            a page that is not valid UTF-8, has no title or no original URL.

            Each finding names the command that repairs it (sharemark fix for footers, sharemark regen [--stale] for PNGs), \
            and the summary gives the one command that repairs them all.

            Each finding has a stable kind (such as asset-missing); for a PNG's content it also names the decoder that decided: \
            grid (the module grid read back and compared with libqrencode's encoding of the URL) or zbar.

            Exit codes: 0 clean, 1 errors (or warnings, with --strict).
            """)

    @OptionGroup var options: ArchiveOptions
    @OptionGroup var work: WorkOptions

    @Option(help: "Output format: text, json, junit or github (workflow annotations).")
    var format: Report.Format = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    @Option(help: ArgumentHelp("With --format github: at most this many annotations per kind; a line counts the rest.", valueName: "n"))
    var maxAnnotations = 10

    func validate() throws {
        if maxAnnotations < 0 { throw ValidationError("--max-annotations must not be negative") }
    }

    func run() throws {
        try reportingErrors { try execute() }
    }

    private func execute() throws {
        do {
            let shard = try work.selectedShard
            let (index, update) = try options.openUpdatedIndex()
            defer { index.waitForCheckpoint() }
            let bar = TerminalProgress()
            var progress: (@Sendable (Int, Int) -> Void)? = nil
            if bar.enabled { progress = { @Sendable done, total in bar.bar("checking QR images", done: done, total: total) } }
            var report = try Verifier(archive: options.archive, imageLinkForm: index.config.imageLinkForm,
                                  limits: index.config.limits, jobs: work.threads)
                .verify(index: index, problems: update.problems, shard: shard, progress: progress)
            report.repositoryKnown = index.config.knowsRepository
            bar.finish()
            report.write(format, maxAnnotations: maxAnnotations) { print($0) }
            if format == .github { appendStepSummary(report.stepSummary(maxPerKind: maxAnnotations)) }
            let code = report.exitCode(strict: strict)
            if code != 0 { throw ExitCode(code) }
        }
    }
}
