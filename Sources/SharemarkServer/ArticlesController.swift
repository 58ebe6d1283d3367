import Hummingbird
import NIOPosix
import SharemarkArchive

/// `/v1/articles`: an article's links, found by category and id or by its id alone, and its
/// share QR as PNG or SVG.
struct ArticlesController<Context: RequestContext>: Sendable {
    let store: CatalogStore
    let images: ShareImages

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(":\(Self.leading)", use: byID)
        group.get(":\(Self.leading)/:id", use: byCategoryAndID)
        group.get(":\(Self.leading)/:id/qr.png", use: shareQRPNG)
        group.get(":\(Self.leading)/:id/qr.svg", use: shareQRSVG)
    }

    /// The first path parameter: the category in `{category}/{id}…`, and the id itself when it
    /// comes alone. Hummingbird's router takes one parameter name at one position (two names
    /// there are two routes that override each other), so both routes use this one, and
    /// `byID` reads it as the id it is.
    static var leading: String { "category" }

    /// The route pattern as metrics name it: the id-only route is `/v1/articles/{id}`.
    static func reportedRoute(_ endpoint: String) -> String {
        endpoint == ArticleRoutes.idOnly ? "/v1/articles/{id}" : endpoint
    }

    @Sendable func byID(_ request: Request, context: Context) async throws -> Response {
        let rawID = try context.parameters.require(Self.leading)
        guard let id = RequestInput.pathComponent(rawID) else { throw APIProblem.notFound("no article \(rawID)") }
        let snapshot = store.snapshot
        let lookup: CatalogSnapshot.Lookup
        if let cached = snapshot.cached(.init(category: nil, id: id)) {
            lookup = cached
        } else {
            lookup = try await NIOThreadPool.singleton.runIfActive { try snapshot.articles(id: id) }
        }
        switch lookup {
        case .found(let record):
            return JSONResponse.ok(record.json)
        case .notFound:
            throw APIProblem.notFound("no article with id \(id)")
        case .ambiguous(let entries):
            throw APIProblem.ambiguous(id: id, candidates: entries.map(\.summary))
        }
    }

    @Sendable func byCategoryAndID(_ request: Request, context: Context) async throws -> Response {
        let (category, id) = try categoryAndID(context)
        let snapshot = store.snapshot
        // Asked for before: answered without suspending.
        if let found = snapshot.cached(.init(category: category, id: id))?.record { return JSONResponse.ok(found.json) }
        return JSONResponse.ok(try await record(category: category, id: id, in: snapshot).json)
    }

    @Sendable func shareQRPNG(_ request: Request, context: Context) async throws -> Response {
        try await shareQR(request, context: context, format: .png)
    }

    @Sendable func shareQRSVG(_ request: Request, context: Context) async throws -> Response {
        try await shareQR(request, context: context, format: .svg)
    }

    func shareQR(_ request: Request, context: Context, format: ImageFormat) async throws -> Response {
        let (category, id) = try categoryAndID(context)
        let snapshot = store.snapshot
        // An image made before and still good: answered without suspending (each async call on
        // the way costs a frame from the task's allocator).
        var missed: ShareImages.Look?
        if let found = snapshot.cached(.init(category: category, id: id))?.record {
            switch images.lookup(found, format: format) {
            case .held(let image): return ImageResponse.make(image, request: request)
            case .missed(let look): missed = look
            }
        }
        // A record in the snapshot's memory is the one looked at above, so its look stands.
        let found = try await record(category: category, id: id, in: snapshot)
        let image = try await images.image(for: found, root: snapshot.catalog.archiveRoot, style: snapshot.catalog.style,
                                           format: format, after: missed)
        return ImageResponse.make(image, request: request)
    }

    func categoryAndID(_ context: Context) throws -> (category: String, id: String) {
        let rawCategory = try context.parameters.require(Self.leading)
        let rawID = try context.parameters.require("id")
        guard let category = RequestInput.pathComponent(rawCategory), let id = RequestInput.pathComponent(rawID) else {
            throw APIProblem.notFound("no article \(rawCategory)/\(rawID)")
        }
        return (category, id)
    }

    /// The article from the snapshot's memory, or read from the index on NIO's thread pool (not
    /// on an event loop) the first time it is asked for.
    func record(category: String, id: String, in snapshot: CatalogSnapshot) async throws -> ArticleRecord {
        let found: ArticleRecord?
        if let cached = snapshot.cached(.init(category: category, id: id)) {
            found = cached.record
        } else {
            found = try await NIOThreadPool.singleton.runIfActive { try snapshot.record(category: category, id: id) }
        }
        guard let found else { throw APIProblem.notFound("no article \(category)/\(id)") }
        return found
    }
}

/// The id-only article route's pattern as the router names it, made once (not per request).
enum ArticleRoutes {
    static let idOnly = "/v1/articles/{\(ArticlesController<BasicRequestContext>.leading)}"
}
