import Foundation
import Hummingbird
import NIOCore
import SharemarkArchive

/// `/v1/search` (JSON) and `/` (the HTML search page): title search of the index.
struct SearchController<Context: RequestContext>: Sendable {
    let store: CatalogStore
    /// Most results of one search, and the default `limit`.
    let limit: Int
    /// Longest query searched, in bytes.
    static var maxQueryBytes: Int { 256 }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("/", use: page)
        group.get("v1/search", use: search)
    }

    @Sendable func search(_ request: Request, context: Context) throws -> Response {
        let fields = RequestInput.query(request.uri.query)
        guard let entry = fields["q"] else { throw APIProblem.badParameter("q", "missing: give the words to search for") }
        guard let query = entry, !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIProblem.badParameter("q", "empty or not valid percent-encoded UTF-8")
        }
        guard query.utf8.count <= Self.maxQueryBytes else {
            throw APIProblem.badParameter("q", "longer than \(Self.maxQueryBytes) bytes")
        }
        var count = limit
        if let text = fields["limit"] {
            guard let text, let value = Int(text), (1...limit).contains(value) else {
                throw APIProblem.badParameter("limit", "use a whole number in 1...\(limit)")
            }
            count = value
        }
        let results = try store.snapshot.catalog.search(query, limit: count).map(\.summary)
        return try JSONResponse.ok(SearchResults(query: query, count: results.count, results: results))
    }

    @Sendable func page(_ request: Request, context: Context) throws -> Response {
        let fields = RequestInput.query(request.uri.query)
        let query = ((fields["q"] ?? nil) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let snapshot = store.snapshot
        var results: [ArticleSummary] = []
        if !query.isEmpty, query.utf8.count <= Self.maxQueryBytes {
            results = try snapshot.catalog.search(query, limit: limit).map(\.summary)
        }
        let html = HTMLPage.render(query: query, results: results, articleCount: snapshot.articleCount, limit: limit)
        return Response(status: .ok,
                        headers: [.contentType: "text/html; charset=utf-8",
                                  .contentSecurityPolicy: "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

struct SearchResults: Encodable {
    var query: String
    var count: Int
    var results: [ArticleSummary]
}
