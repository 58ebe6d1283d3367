import ArgumentParser
import SharemarkArchive

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write every indexed page as JSON or CSV to standard output.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, csv }

    @OptionGroup var options: ArchiveOptions
    @Option(help: "json or csv.") var format: Format = .json

    func run() throws {
        try reportingErrors {
            let (index, _) = try options.openUpdatedIndex()
            defer { index.waitForCheckpoint() }
            try ArticleExport.write(index, format: format == .json ? .json : .csv) { try writeStandardOutput($0) }
        }
    }
}
