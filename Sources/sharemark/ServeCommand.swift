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

    @OptionGroup var options: ArchiveOptions

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @Flag(help: ArgumentHelp(
        "Log one line per request to standard error: time, method, path, status, bytes, duration.",
        discussion: "Lines come from the logger 'sharemark.access' at level info; the query string is left out."))
    var accessLog = false

    @Option(help: ArgumentHelp(
        "Most connections open at once (default: no limit).",
        discussion: "A connection beyond the limit is closed as soon as it is accepted, before anything is read or written: the client sees an empty reply and can try again.",
        valueName: "n"))
    var maxConnections: Int?

    @Option(help: ArgumentHelp(
        "Close a connection after this many seconds without a request in progress.",
        discussion: "Applies to idle keep-alive connections and to clients that do not finish sending a request head in time; a connection with a request in progress is never closed by it.",
        valueName: "seconds"))
    var idleTimeout: Double = 60

    func validate() throws {
        if let maxConnections, maxConnections < 1 {
            throw ValidationError("--max-connections must be at least 1")
        }
        guard idleTimeout > 0, idleTimeout <= 86_400 else {
            throw ValidationError("--idle-timeout must be more than 0 and at most 86400 seconds")
        }
    }

    func run() async throws {
        ServerLogging.bootstrap()
        let logger = ServerLogging.logger()
        var opened: (ArchiveIndex, ArchiveIndex.UpdateSummary)?
        try reportingErrors { opened = try options.openUpdatedIndex() }
        guard let (archiveIndex, summary) = opened else { return }
        logger.info("index up to date", metadata: [
            "pages": "\(summary.scanned)", "parsed": "\(summary.parsed)", "seconds": "\(summary.seconds)",
        ])
        let archive = options.archive
        let indexPath = archiveIndex.databasePath
        let store = try CatalogStore(initial: IndexCatalog(index: archiveIndex)) {
            try IndexCatalog.open(archive: archive, indexPath: indexPath)
        }
        let settings = ServerSettings(
            host: host, port: port, accessLog: accessLog, maxConnections: maxConnections,
            idleTimeout: .milliseconds(Int64((idleTimeout * 1000).rounded())))
        let server = SharemarkServer(store: store, settings: settings, logger: logger)
        try await server.run(watchIndexAt: indexPath)
    }
}
