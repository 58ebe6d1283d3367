import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SharemarkArchive
import SharemarkQR

/// Where and how the server listens, and the bounds it keeps.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// How often the index file is checked for a rebuild.
    public var reloadInterval: Duration
    public var cacheEntries: Int
    public var cacheBytes: Int
    public var searchLimit: Int
    /// `Cache-Control` max-age of QR images, in seconds.
    public var imageMaxAge: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, reloadInterval: Duration = .seconds(1),
                cacheEntries: Int = 4096, cacheBytes: Int = 64 << 20, searchLimit: Int = 50, imageMaxAge: Int = 300) {
        self.host = host
        self.port = port
        self.reloadInterval = reloadInterval
        self.cacheEntries = cacheEntries
        self.cacheBytes = cacheBytes
        self.searchLimit = searchLimit
        self.imageMaxAge = imageMaxAge
    }
}

/// Bounds of `GET /v1/qr`.
public enum AdHocQRLimits {
    public static let scales = 1...20
    public static let margins = 0...20
    /// Largest image side, in pixels (SVG: user units).
    public static let maxSide = 4096
}

/// The HTTP service: routes over a `CatalogStore`, QR rendering and metrics.
public struct SharemarkServer: Sendable {
    public let store: CatalogStore
    public let settings: ServerSettings
    public let metrics: ServerMetrics
    let images: ShareImages
    let logger: Logger
    let shareCacheControl: String

    public init(store: CatalogStore, settings: ServerSettings = ServerSettings(), logger: Logger = Logger(label: "sharemark.server")) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.shareCacheControl = "public, max-age=\(settings.imageMaxAge)"
        let metrics = ServerMetrics()
        self.metrics = metrics
        self.images = ShareImages(cache: QRCache(maxEntries: settings.cacheEntries, maxBytes: settings.cacheBytes), metrics: metrics)
        metrics.setArticleCount(store.snapshot.articleCount)
    }

    /// The router with every endpoint; also what tests drive.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: MetricsRecorder(metrics: metrics))
        router.add(middleware: ProblemMiddleware())
        router.get("/healthz") { _, _ in self.health() }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.exposition())))
        }
        router.get("/") { request, _ in try self.page(request) }
        router.get("/v1/search") { request, _ in try self.search(request) }
        router.get("/v1/qr") { request, _ in try self.adHocQR(request) }
        // The router wants one parameter name per position: the id alone sits where a category
        // sits in the longer routes (and is reported as `/v1/articles/{id}` in metrics).
        router.get("/v1/articles/:category") { _, context in
            try self.json(self.resolve(id: context.parameters.require("category")).summary)
        }
        router.get("/v1/articles/:category/:id") { _, context in
            let (category, id) = try Self.categoryAndID(context)
            return try self.json(self.resolve(category: category, id: id).summary)
        }
        router.get("/v1/articles/:category/:id/qr.png") { request, context in
            try self.shareQR(request, context, format: .png)
        }
        router.get("/v1/articles/:category/:id/qr.svg") { request, context in
            try self.shareQR(request, context, format: .svg)
        }
        return router
    }

    /// The application bound to `settings.host:port`, with the index watcher as a service.
    public func application(watchIndexAt indexPath: String?) -> some ApplicationProtocol {
        var app = Application(
            router: router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "sharemark"),
            logger: logger)
        if let indexPath {
            app.addServices(IndexWatcher(path: indexPath, interval: settings.reloadInterval, server: self))
        }
        return app
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

    // MARK: - Handlers

    func health() -> Response {
        let snapshot = store.snapshot
        let body = #"{"status":"ok","articles":\#(snapshot.articleCount),"generation":\#(snapshot.generation)}"#
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func categoryAndID(_ context: BasicRequestContext) throws -> (String, String) {
        let rawCategory = try context.parameters.require("category")
        let rawID = try context.parameters.require("id")
        guard let category = RequestInput.pathComponent(rawCategory), let id = RequestInput.pathComponent(rawID) else {
            throw APIProblem.notFound("no article \(rawCategory)/\(rawID)")
        }
        return (category, id)
    }

    func resolve(category: String, id: String) throws -> CatalogEntry {
        guard let entry = try store.snapshot.article(category: category, id: id) else {
            throw APIProblem.notFound("no article \(category)/\(id)")
        }
        return entry
    }

    func resolve(id rawID: String) throws -> CatalogEntry {
        guard let id = RequestInput.pathComponent(rawID) else { throw APIProblem.notFound("no article \(rawID)") }
        switch try store.snapshot.articles(id: id) {
        case .found(let entry): return entry
        case .notFound: throw APIProblem.notFound("no article with id \(id)")
        case .ambiguous(let entries):
            let keys = entries.map { "\($0.summary.category)/\($0.summary.id)" }
            throw AmbiguousID(id: id, candidates: entries.map(\.summary), keys: keys)
        }
    }

    func shareQR(_ request: Request, _ context: BasicRequestContext, format: ImageFormat) throws -> Response {
        let (category, id) = try Self.categoryAndID(context)
        let snapshot = store.snapshot
        guard let entry = try snapshot.article(category: category, id: id) else {
            throw APIProblem.notFound("no article \(category)/\(id)")
        }
        let image = try images.image(for: entry, root: snapshot.catalog.archiveRoot, style: snapshot.catalog.style, format: format)
        return imageResponse(image, format: format, request: request, cacheControl: shareCacheControl)
    }

    func imageResponse(_ image: CachedImage, format: ImageFormat, request: Request, cacheControl: String) -> Response {
        var headers: HTTPFields = [.eTag: image.etag, .cacheControl: cacheControl]
        if ETag.matches(request.headers[.ifNoneMatch], image.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = format.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: image.bytes))
    }

    func search(_ request: Request) throws -> Response {
        let fields = RequestInput.query(request.uri.query)
        guard let entry = fields["q"] else { throw APIProblem.badParameter("q", "missing: give the words to search for") }
        guard let query = entry, !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIProblem.badParameter("q", "empty or not valid percent-encoded UTF-8")
        }
        guard query.utf8.count <= 256 else { throw APIProblem.badParameter("q", "longer than 256 bytes") }
        var limit = settings.searchLimit
        if let text = fields["limit"] {
            guard let text, let value = Int(text), (1...settings.searchLimit).contains(value) else {
                throw APIProblem.badParameter("limit", "use a whole number in 1...\(settings.searchLimit)")
            }
            limit = value
        }
        let results = try store.snapshot.catalog.search(query, limit: limit).map(\.summary)
        return try json(SearchResults(query: query, count: results.count, results: results))
    }

    func page(_ request: Request) throws -> Response {
        let fields = RequestInput.query(request.uri.query)
        let query = ((fields["q"] ?? nil) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let snapshot = store.snapshot
        var results: [ArticleSummary] = []
        if !query.isEmpty, query.utf8.count <= 256 {
            results = try snapshot.catalog.search(query, limit: settings.searchLimit).map(\.summary)
        }
        let html = HTMLPage.render(query: query, results: results, articleCount: snapshot.articleCount, limit: settings.searchLimit)
        return Response(status: .ok,
                        headers: [.contentType: "text/html; charset=utf-8",
                                  .contentSecurityPolicy: "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    func adHocQR(_ request: Request) throws -> Response {
        let fields = RequestInput.query(request.uri.query)
        func value(_ name: String) throws -> String? {
            guard let entry = fields[name] else { return nil }
            guard let text = entry else { throw APIProblem.badParameter(name, "not valid percent-encoded UTF-8") }
            return text
        }
        func integer(_ name: String, _ range: ClosedRange<Int>, default fallback: Int) throws -> Int {
            guard let text = try value(name) else { return fallback }
            guard let number = Int(text), range.contains(number) else {
                throw APIProblem.badParameter(name, "'\(text.prefix(20))' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return number
        }
        func colour(_ name: String, default fallback: RGBAColor) throws -> RGBAColor {
            guard let text = try value(name) else { return fallback }
            do { return try RGBAColor(hex: text) } catch {
                throw APIProblem.badParameter(name, "'\(text.prefix(20))' is not a colour: use RRGGBB or RRGGBBAA in hexadecimal")
            }
        }
        guard let data = try value("data") else { throw APIProblem.badParameter("data", "missing: give the text to encode") }
        guard !data.isEmpty else { throw APIProblem.badParameter("data", "empty: there is nothing to encode") }
        var format = ImageFormat.png
        if let text = try value("format") {
            guard let chosen = ImageFormat(rawValue: text) else { throw APIProblem.badParameter("format", "use png or svg") }
            format = chosen
        }
        var level = ErrorCorrectionLevel.L
        if let text = try value("level") {
            guard let chosen = ErrorCorrectionLevel(name: text) else { throw APIProblem.badParameter("level", "use L, M, Q or H") }
            level = chosen
        }
        let scale = try integer("scale", AdHocQRLimits.scales, default: 4)
        let margin = try integer("margin", AdHocQRLimits.margins, default: 4)
        let foreground = try colour("fg", default: .black)
        let background = try colour("bg", default: .white)
        guard data.utf8.count <= 7089 else {
            throw APIProblem.badParameter("data", "\(data.utf8.count) bytes; at most \(QREncoder.maximumByteCount(level: level)) bytes fit a QR code at level \(level.rawValue)")
        }
        let symbol: QRSymbol
        do {
            symbol = try QREncoder(level: level).encode(data)
        } catch {
            throw APIProblem.badParameter("data", error.description)
        }
        let side = (symbol.size + 2 * margin) * scale
        guard side <= AdHocQRLimits.maxSide else {
            throw APIProblem.badParameter("scale", "the image would be \(side) pixels wide, more than \(AdHocQRLimits.maxSide); use a smaller scale or margin")
        }
        let options = QROptions(scale: scale, margin: margin, foreground: foreground, background: background)
        let bytes: [UInt8]
        do {
            switch format {
            case .png: bytes = try PNGRenderer(options: options, compression: .fast).render(symbol)
            case .svg: bytes = Array(try SVGRenderer(options: options).render(symbol).utf8)
            }
        } catch {
            throw APIProblem(.badRequest, error.description)
        }
        metrics.rendered(format)
        return imageResponse(CachedImage(bytes: bytes, fromAsset: false), format: format, request: request, cacheControl: "public, max-age=86400")
    }

    func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONCoding.sortedEncoder
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

struct SearchResults: Encodable {
    var query: String
    var count: Int
    var results: [ArticleSummary]
}

/// 409: an id that names articles in several categories; the body lists them.
struct AmbiguousID: Error, HTTPResponseError {
    var id: String
    var candidates: [ArticleSummary]
    var keys: [String]
    var status: HTTPResponse.Status { .conflict }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var candidates: [ArticleSummary]
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: "about:blank", title: "Conflict", status: 409,
                        detail: "id \(id) names \(keys.count) articles: \(keys.joined(separator: ", ")); ask for /v1/articles/{category}/\(id)",
                        candidates: candidates)
        let encoder = JSONCoding.sortedEncoder
        return Response(status: .conflict, headers: [.contentType: "application/problem+json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

/// Records count and latency of each request by its route pattern (not by its path, so that the
/// number of series stays bounded).
struct MetricsRecorder<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        var route = context.endpointPath ?? "unmatched"
        if route == "/v1/articles/{category}" { route = "/v1/articles/{id}" }
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code,
                        duration: ContinuousClock.now - start)
        return response
    }
}
