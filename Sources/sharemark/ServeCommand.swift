import ArgumentParser
import Foundation
import SharemarkArchive
import SharemarkServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve share links, QR codes and a search page of one archive or several over HTTP.",
        discussion: """
            Brings each archive's index up to date, then serves them: GET /v1/archives lists them; each archive's \
            articles are under /v1/archives/OWNER/REPO/articles/CATEGORY/ID (and, with one archive, at \
            /v1/articles/CATEGORY/ID as well); GET /v1/lookup?q= resolves an id, category/id, any archive's mirror or \
            QR image URL (old repository names too) or an original URL across all of them; GET /s/OWNER/REPO/CATEGORY/ID \
            redirects to the page's current canonical mirror URL; /v1/search and the page at / search every archive \
            (archive= narrows to one). A rebuilt index (its file changes, or SIGHUP) is picked up per archive without \
            dropping requests; an archive whose index is missing or cannot be opened is reported by /healthz and the \
            log and keeps serving what it had, while the others serve on. SIGTERM or SIGINT stop the server after the \
            requests in flight.
            """)

    @Argument(help: "The archive folders (default: the current folder).")
    var archives: [String] = []

    @Option(name: .customLong("archives"), help: ArgumentHelp(
        "Also serve every archive folder directly under this folder (one with a pages/ folder or a sharemark.toml).",
        valueName: "folder"))
    var archivesFolder: String?

    @Option(help: ArgumentHelp("The index file, with one archive (default: ARCHIVE/.sharemark/index.sqlite).", valueName: "path"))
    var index: String?

    @Option(help: ArgumentHelp(
        "Keep each archive's index in this folder, as FOLDER-NAME.sqlite (default: in each archive's .sharemark/).",
        discussion: "For archives the service may only read, such as checkouts served by a system unit; two archive folders of the same name cannot share it.",
        valueName: "folder"))
    var indexFolder: String?

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

    @Option(help: ArgumentHelp(
        "Serve a share QR's PNG file this many seconds after it was last seen unchanged without looking at it again.",
        discussion: "A PNG file that regen or fix rewrote is served at the latest this long after; 0 looks at the file on every request.",
        valueName: "seconds"))
    var assetRecheck: Double = 1

    func validate() throws {
        guard assetRecheck >= 0, assetRecheck <= 86_400 else {
            throw ValidationError("--asset-recheck must be from 0 to 86400 seconds")
        }
        if let maxConnections, maxConnections < 1 {
            throw ValidationError("--max-connections must be at least 1")
        }
        guard idleTimeout > 0, idleTimeout <= 86_400 else {
            throw ValidationError("--idle-timeout must be more than 0 and at most 86400 seconds")
        }
        if index != nil && (archives.count > 1 || archivesFolder != nil) {
            throw ValidationError("--index names the index of one archive; it cannot go with several")
        }
        if index != nil && indexFolder != nil {
            throw ValidationError("--index and --index-folder cannot go together")
        }
    }

    func run() async throws {
        ServerLogging.bootstrap()
        // Log lines are written by a thread of their own: the last ones before the process ends.
        defer { ServerLogging.flush() }
        let logger = ServerLogging.logger()
        var served: [ServedArchive] = []
        try reportingErrors {
            var folders = archives
            if let archivesFolder {
                do { folders += try ArchiveFamily.folders(under: archivesFolder) } catch {
                    throw CLIError("cannot list \(archivesFolder): \(error)", code: 66)
                }
                guard !folders.isEmpty else { throw CLIError("no archive folder under \(archivesFolder)", code: 66) }
            }
            if folders.isEmpty { folders = ["."] }
            let indexPaths = try indexFolder.map { try Self.indexPaths(of: folders, in: $0) }
            for (n, folder) in folders.enumerated() {
                do {
                    let (archive, summary) = try open(folder, indexPath: indexPaths?[n] ?? index)
                    logger.info("index up to date", metadata: [
                        "archive": "\(archive.name)", "pages": "\(summary.scanned)", "parsed": "\(summary.parsed)",
                        "seconds": "\(summary.seconds)",
                    ])
                    served.append(archive)
                } catch let error as CLIError where folders.count == 1 {
                    throw error
                } catch {
                    // One archive that cannot be opened does not keep the others from serving.
                    logger.error("archive not served", metadata: ["folder": "\(folder)", "error": "\(error)"])
                }
            }
            guard !served.isEmpty else { throw CLIError("no archive could be opened", code: 1) }
            var seen = Set<String>()
            for archive in served where !seen.insert(archive.name).inserted {
                throw CLIError("two archives are named \(archive.name); serve them from separate processes", code: 64)
            }
        }
        let settings = ServerSettings(
            host: host, port: port, accessLog: accessLog, maxConnections: maxConnections,
            idleTimeout: .milliseconds(Int64((idleTimeout * 1000).rounded())),
            assetRecheck: .milliseconds(Int64((assetRecheck * 1000).rounded())))
        let server = SharemarkServer(archives: served, settings: settings, logger: logger)
        try await server.run()
    }

    /// Opens and updates one archive's index; the archive as the server serves it.
    private func open(_ folder: String, indexPath: String?) throws -> (ServedArchive, ArchiveIndex.UpdateSummary) {
        let options = try ArchiveOptions.parse([folder] + (indexPath.map { ["--index", $0] } ?? []))
        let (archiveIndex, summary) = try options.openUpdatedIndex()
        let catalog = IndexCatalog(index: archiveIndex)
        let indexPath = archiveIndex.databasePath
        let store = try CatalogStore(initial: catalog) { try IndexCatalog.open(archive: folder, indexPath: indexPath) }
        return (ServedArchive(name: catalog.archiveName, store: store, indexPath: indexPath), summary)
    }

    /// Each folder's index file in `indexFolder`: named by the archive folder's own name, which
    /// must be unique among the folders served.
    static func indexPaths(of folders: [String], in indexFolder: String) throws -> [String] {
        var seen: [String: String] = [:]
        return try folders.map { folder in
            let name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
            guard !name.isEmpty, name != "/" else { throw CLIError("\(folder): no folder name to name its index after", code: 64) }
            if let other = seen.updateValue(folder, forKey: name) {
                throw CLIError("\(other) and \(folder) are both named \(name): their indexes cannot share --index-folder", code: 64)
            }
            return indexFolder + "/" + name + ".sqlite"
        }
    }
}
