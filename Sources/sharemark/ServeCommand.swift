import ArgumentParser
import SharemarkArchive
import SharemarkServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve share links, QR codes and a search page of an archive over HTTP.",
        discussion: """
            Brings the index up to date, then serves it. A rebuilt index (its file changes, or \
            SIGHUP) is picked up without dropping requests. SIGTERM or SIGINT stop the server \
            after the requests in flight.
            """)

    @Argument(help: "The archive root.")
    var archive: String = "."

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(help: "The index file (default: <archive>/.sharemark/index.sqlite).")
    var index: String?

    func run() async throws {
        ServerLogging.bootstrap()
        let logger = ServerLogging.logger()
        let archiveIndex = try ArchiveIndex(archive: archive, indexPath: index)
        let summary = try archiveIndex.update()
        logger.info("index up to date", metadata: [
            "pages": "\(summary.scanned)", "parsed": "\(summary.parsed)", "seconds": "\(summary.seconds)",
        ])
        let archive = self.archive
        let indexPath = archiveIndex.databasePath
        let store = try CatalogStore(initial: IndexCatalog(index: archiveIndex)) {
            try IndexCatalog.open(archive: archive, indexPath: indexPath)
        }
        let server = SharemarkServer(store: store, settings: ServerSettings(host: host, port: port), logger: logger)
        try await server.run(watchIndexAt: indexPath)
    }
}
