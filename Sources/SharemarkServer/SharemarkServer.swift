import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import SharemarkArchive
import SharemarkQR

/// The HTTP service: routes over a `CatalogStore`, QR rendering and metrics.
public struct SharemarkServer: Sendable {
    public let store: CatalogStore
    public let settings: ServerSettings
    public let metrics: ServerMetrics
    let images: ShareImages
    let logger: Logger
    /// Where the access log goes when `settings.accessLog` is on.
    let accessLogger: Logger

    public init(store: CatalogStore, settings: ServerSettings = ServerSettings(), logger: Logger = Logger(label: "sharemark.server"),
                accessLogger: Logger = Logger(label: "sharemark.access")) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.accessLogger = accessLogger
        let metrics = ServerMetrics()
        self.metrics = metrics
        self.images = ShareImages(cache: QRCache(maxEntries: settings.cacheEntries, maxBytes: settings.cacheBytes), metrics: metrics,
                                  cacheControl: "public, max-age=\(settings.imageMaxAge)")
        metrics.setArticleCount(store.snapshot.articleCount)
    }

    /// The router with every endpoint; also what tests drive.
    public func router() -> Router<BasicRequestContext> {
        buildRouter(context: BasicRequestContext.self)
    }

    /// The middleware (the access log when asked for, then metrics, then problem details), then
    /// one controller per resource: articles, ad-hoc QR codes, search and its page, health and
    /// metrics.
    func buildRouter<Context: RequestContext>(context: Context.Type) -> Router<Context> {
        let router = Router(context: Context.self, options: .autoGenerateHeadEndpoints)
        if settings.accessLog {
            router.add(middleware: AccessLogMiddleware(logger: accessLogger))
        }
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware())
        HealthController(store: store, metrics: metrics).addRoutes(to: router.group())
        SearchController(store: store, limit: settings.searchLimit).addRoutes(to: router.group())
        QRController(metrics: metrics).addRoutes(to: router.group("v1/qr"))
        ArticlesController(store: store, images: images)
            .addRoutes(to: router.group("v1/articles"))
        return router
    }

    /// The application bound to `settings.host:port`, with the index watcher as a service.
    public func application(watchIndexAt indexPath: String?) -> some ApplicationProtocol {
        var app = Application(
            router: router(),
            server: httpServer(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "sharemark",
                                 backlog: settings.backlog),
            logger: logger)
        if let indexPath {
            app.addServices(IndexWatcher(path: indexPath, interval: settings.reloadInterval, server: self))
        }
        return app
    }

    /// HTTP/1 as Hummingbird serves it, under a `ConnectionLimit` when one is set. The idle
    /// timeout is Hummingbird's own (`HTTPConnectionStateHandler`): it counts from the last
    /// request part read or response written, and never closes a connection with a request in
    /// progress; a request head that does not arrive in time closes the connection too.
    func httpServer() -> HTTPServerBuilder {
        let configuration = HTTP1Channel.Configuration(idleTimeout: settings.idleTimeout.map { TimeAmount($0) })
        guard let maximum = settings.maxConnections else { return .http1(configuration: configuration) }
        let limit = ConnectionLimit(maximum: maximum)
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(http: HTTP1Channel(responder: responder, configuration: configuration), limit: limit)
        }
    }

    /// Runs until SIGTERM or SIGINT, then finishes the requests in flight and stops.
    public func run(watchIndexAt indexPath: String?) async throws {
        let app = application(watchIndexAt: indexPath)
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Opens the index again and serves from it; requests in flight finish on the old one.
    public func reload() throws {
        let snapshot = try store.reload()
        metrics.reloaded()
        metrics.setArticleCount(snapshot.articleCount)
        logger.info("index reloaded", metadata: ["articles": "\(snapshot.articleCount)", "generation": "\(snapshot.generation)"])
    }
}
