import ArgumentParser
import SharemarkArchive

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Bring the archive's index up to date and summarise it.")

    @OptionGroup var options: ArchiveOptions

    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let (index, summary) = try options.openUpdatedIndex()
            defer { index.waitForCheckpoint() }
            if json { try printJSON(summary); return }
            print(String(format: "%d pages (%d read, %d unchanged, %d removed), %d PNGs, %d without footer, %d invalid UTF-8, %d problems in %.2f s",
                         summary.scanned, summary.parsed, summary.unchanged, summary.removed, summary.assets,
                         summary.pagesWithoutFooter, summary.invalidUTF8Pages, summary.problems.count, summary.seconds))
            let config = index.config
            print("repository: \(config.owner)/\(config.repository) (\(config.branch))"
                  + (config.aliases.isEmpty ? "" : ", old names: \(config.aliases.joined(separator: ", "))")
                  + " [\(config.source.rawValue)]")
            for problem in summary.problems { print("  \(problem)") }
        }
    }
}
