import ArgumentParser
import SharemarkArchive

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find pages whose title contains the given text.")

    @Argument(help: "Words that must all appear in the title.") var text: String
    @OptionGroup var options: ArchiveOptions
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "At most this many results.") var limit = 20

    func run() throws {
        try reportingErrors {
            let (index, _) = try options.openUpdatedIndex()
            defer { index.waitForCheckpoint() }
            let articles = try index.search(text, limit: limit)
            if json { try printJSON(articles); return }
            for a in articles { print("\(a.key)\t\(a.date ?? "")\t\(a.title ?? "")") }
            if articles.isEmpty { throw CLIError("no title contains '\(text)'", code: 1) }
        }
    }
}
