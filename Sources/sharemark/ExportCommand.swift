import ArgumentParser
import SharemarkArchive

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write every indexed page as JSON or CSV to standard output.")

    @OptionGroup var options: ArchiveOptions
    @Option(help: "json or csv.") var format: ArticleExport.Format = .json

    func run() throws {
        try reportingErrors {
            let (index, _) = try options.openUpdatedIndex()
            defer { index.waitForCheckpoint() }
            try ArticleExport.write(index, format: format) { try writeStandardOutput($0) }
        }
    }
}

extension ArticleExport.Format: ExpressibleByArgument {}
