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
            Errors: a missing PNG, an unreadable PNG, a QR code that does not encode exactly the footer's mirror URL, a QR image outside the archive, printed and linked mirror URLs that differ. \
            Warnings: a mirror URL under an old repository name, a legacy /blob/ QR image URL, a PNG no page references.

            Exit codes: 0 clean, 1 errors (or warnings, with --strict).
            """)

    @OptionGroup var options: ArchiveOptions

    @Option(help: "Output format: text, json, junit or github (workflow annotations).")
    var format: Report.Format = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    @Option(help: ArgumentHelp("Threads that check (default: the number of processors).", valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Only the pages (and orphan PNGs) of shard I of N (I from 1).", valueName: "I/N"))
    var shard: String?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError(error.description) } }
    }

    func run() throws {
        try reportingErrors { try execute() }
    }

    private func execute() throws {
        do {
            let shard = try parsedShard(self.shard)
            let (index, update) = try options.openUpdatedIndex()
            // The update's problems that belong to no indexed page: files it could not list or read.
            let pages = Set(try index.allArticles().map(\.pagePath.value))
            let scanProblems = update.problems.filter { !pages.contains($0.file) }
            let report = Verifier(archive: options.archive, jobs: jobs ?? availableProcessors)
                .verify(articles: try index.allArticles(), assets: try index.allAssets(),
                        scanProblems: scanProblems, shard: shard)
            print(report.render(format))
            let code = report.exitCode(strict: strict)
            if code != 0 { throw ExitCode(code) }
        }
    }
}

/// The `--shard` value, or the whole archive.
func parsedShard(_ text: String?) throws -> Shard {
    guard let text else { return .whole }
    do { return try Shard(parsing: text) } catch { throw CLIError(error.description, code: 64) }
}
