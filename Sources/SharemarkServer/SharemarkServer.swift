import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import SharemarkArchive
import SharemarkQR

/// The HTTP service: routes over one archive's catalog or several, QR rendering and metrics.
public struct SharemarkServer: Sendable {
    /// The archives served, in the order given; names unique.
    public let archives: [ServedArchive]
    /// The first archive's store (the only one's, when one archive is served).
    public var store: CatalogStore { archives[0].store }
    public let settings: ServerSettings
    public let metrics: ServerMetrics
    let images: ShareImages
    /// Bounds the ad-hoc `/v1/qr` renders running and waiting.
    let qrRenders: RenderGate
    let logger: Logger
    /// Where the access log goes when `settings.accessLog` is on.
    let accessLogger: Logger

    /// One archive, its index not watched by `application` unless a path is given there.
    public init(store: CatalogStore, settings: ServerSettings = ServerSettings(), logger: Logger = Logger(label: "sharemark.server"),
                accessLogger: Logger = Logger(label: "sharemark.access")) {
        self.init(archives: [ServedArchive(name: store.snapshot.catalog.archiveName, store: store, indexPath: nil)],
                  settings: settings, logger: logger, accessLogger: accessLogger)
    }

    /// Several archives (at least one), each with its own catalog and reload.
    public init(archives: [ServedArchive], settings: ServerSettings = ServerSettings(), logger: Logger = Logger(label: "sharemark.server"),
                accessLogger: Logger = Logger(label: "sharemark.access")) {
        precondition(!archives.isEmpty, "a server serves at least one archive")
        self.archives = archives
        self.settings = settings
        self.logger = logger
        self.accessLogger = accessLogger
        let metrics = ServerMetrics()
        self.metrics = metrics
        self.images = ShareImages(cache: QRCache(maxEntries: settings.cacheEntries, maxBytes: settings.cacheBytes), metrics: metrics,
                                  cacheControl: "public, max-age=\(settings.imageMaxAge)", assetRecheck: settings.assetRecheck)
        self.qrRenders = RenderGate(slots: settings.renderSlots, queue: settings.renderQueue)
        for archive in archives { metrics.setArticleCount(archive.store.snapshot.articleCount, archive: archive.name) }
    }

    /// The router with every endpoint; also what tests drive.
    public func router() -> Router<BasicRequestContext> {
        buildRouter(context: BasicRequestContext.self)
    }

    /// The middleware (the access log when asked for, then problem details and metrics), then
    /// one controller per resource: articles, ad-hoc QR codes, search and its page, health and
    /// metrics.
    func buildRouter<Context: RequestContext>(context: Context.Type) -> Router<Context> {
        let router = Router(context: Context.self, options: .autoGenerateHeadEndpoints)
        if settings.accessLog {
            router.add(middleware: AccessLogMiddleware(logger: accessLogger))
        }
        router.add(middleware: OutcomeMiddleware(metrics: metrics))
        HealthController(archives: archives, metrics: metrics).addRoutes(to: router.group())
        SearchController(archives: archives, limit: settings.searchLimit).addRoutes(to: router.group())
        QRController(metrics: metrics, gate: qrRenders).addRoutes(to: router.group("v1/qr"))
        ArchivesController(archives: archives).addRoutes(to: router.group())
        // One archive: its articles at /v1/articles, as always. Every archive: under its name.
        if archives.count == 1 {
            ArticlesController(store: store, images: images).addRoutes(to: router.group("v1/articles"))
        }
        for archive in archives {
            ArticlesController(store: archive.store, images: images)
                .addRoutes(to: router.group(RouterPath(Self.articlesPath(archive.name))))
        }
        return router
    }

    /// The path under which an archive's articles are served: `v1/archives/{name}/articles`.
    static func articlesPath(_ name: String) -> String { "v1/archives/\(name)/articles" }

    /// The application bound to `settings.host:port`, with a watcher of each archive's index
    /// (of the one at `indexPath` for a single archive served without one) as services.
    public func application(watchIndexAt indexPath: String? = nil) -> some ApplicationProtocol {
        var app = Application(
            router: router(),
            server: httpServer(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "sharemark",
                                 backlog: settings.backlog),
            logger: logger)
        for archive in archives {
            guard let path = archive.indexPath ?? (archives.count == 1 ? indexPath : nil) else { continue }
            app.addServices(IndexWatcher(path: path, interval: settings.reloadInterval, archive: archive, server: self))
        }
        return app
    }

    /// HTTP/1 as Hummingbird serves it, with `UnreadBodyHandler` (a request that declares a body
    /// is answered and its connection closed), under a `ConnectionLimit` when one is set. The idle
    /// timeout is Hummingbird's own (`HTTPConnectionStateHandler`): it counts from the last
    /// request part read or response written, and never closes a connection with a request in
    /// progress; a request head that does not arrive in time closes the connection too.
    func httpServer() -> HTTPServerBuilder {
        let configuration = HTTP1Channel.Configuration(additionalChannelHandlers: [UnreadBodyHandler()],
                                                       idleTimeout: settings.idleTimeout.map { TimeAmount($0) })
        guard let maximum = settings.maxConnections else { return .http1(configuration: configuration) }
        let limit = ConnectionLimit(maximum: maximum)
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(http: HTTP1Channel(responder: responder, configuration: configuration), limit: limit)
        }
    }

    /// Runs until SIGTERM or SIGINT, then finishes the requests in flight and stops.
    public func run(watchIndexAt indexPath: String? = nil) async throws {
        let app = application(watchIndexAt: indexPath)
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Opens the first archive's index again and serves from it; requests in flight finish on
    /// the old one.
    public func reload() throws { try reload(archives[0]) }

    /// Opens an archive's index again and serves from it. On failure the archive keeps serving
    /// what it had, `/healthz` says why, and the error is thrown for the caller to log.
    public func reload(_ archive: ServedArchive) throws {
        let snapshot: CatalogSnapshot
        do { snapshot = try archive.store.reload() } catch {
            archive.failed("reload failed: \(error)")
            throw error
        }
        archive.recovered()
        metrics.reloaded(archive: archive.name)
        metrics.setArticleCount(snapshot.articleCount, archive: archive.name)
        logger.info("index reloaded", metadata: ["archive": "\(archive.name)", "articles": "\(snapshot.articleCount)",
                                                 "generation": "\(snapshot.generation)"])
    }
}
