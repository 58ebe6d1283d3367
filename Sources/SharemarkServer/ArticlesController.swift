import Hummingbird
import SharemarkArchive

/// `/v1/articles`: an article's links, found by category and id or by its id alone, and its
/// share QR as PNG or SVG.
struct ArticlesController<Context: RequestContext>: Sendable {
    let store: CatalogStore
    let images: ShareImages
    /// `Cache-Control` of share images.
    let cacheControl: String

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
        endpoint == "/v1/articles/{\(leading)}" ? "/v1/articles/{id}" : endpoint
    }

    @Sendable func byID(_ request: Request, context: Context) throws -> Response {
        let rawID = try context.parameters.require(Self.leading)
        guard let id = RequestInput.pathComponent(rawID) else { throw APIProblem.notFound("no article \(rawID)") }
        switch try store.snapshot.articles(id: id) {
        case .found(let entry):
            return try JSONResponse.ok(entry.summary)
        case .notFound:
            throw APIProblem.notFound("no article with id \(id)")
        case .ambiguous(let entries):
            throw APIProblem.ambiguous(id: id, candidates: entries.map(\.summary))
        }
    }

    @Sendable func byCategoryAndID(_ request: Request, context: Context) throws -> Response {
        let (category, id) = try categoryAndID(context)
        return try JSONResponse.ok(try entry(category: category, id: id, in: store.snapshot).summary)
    }

    @Sendable func shareQRPNG(_ request: Request, context: Context) throws -> Response {
        try shareQR(request, context: context, format: .png)
    }

    @Sendable func shareQRSVG(_ request: Request, context: Context) throws -> Response {
        try shareQR(request, context: context, format: .svg)
    }

    func shareQR(_ request: Request, context: Context, format: ImageFormat) throws -> Response {
        let (category, id) = try categoryAndID(context)
        let snapshot = store.snapshot
        let found = try entry(category: category, id: id, in: snapshot)
        let image = try images.image(for: found, root: snapshot.catalog.archiveRoot, style: snapshot.catalog.style, format: format)
        return ImageResponse.make(image, format: format, request: request, cacheControl: cacheControl)
    }

    func categoryAndID(_ context: Context) throws -> (category: String, id: String) {
        let rawCategory = try context.parameters.require(Self.leading)
        let rawID = try context.parameters.require("id")
        guard let category = RequestInput.pathComponent(rawCategory), let id = RequestInput.pathComponent(rawID) else {
            throw APIProblem.notFound("no article \(rawCategory)/\(rawID)")
        }
        return (category, id)
    }

    func entry(category: String, id: String, in snapshot: CatalogSnapshot) throws -> CatalogEntry {
        guard let entry = try snapshot.article(category: category, id: id) else {
            throw APIProblem.notFound("no article \(category)/\(id)")
        }
        return entry
    }
}
