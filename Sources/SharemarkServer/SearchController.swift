import Foundation
import Hummingbird
import NIOCore
import SharemarkArchive

/// `/v1/search` (JSON) and `/` (the HTML search page): title search of every archive served,
/// or of the one named by `archive`; with several archives each result names its own.
struct SearchController<Context: RequestContext>: Sendable {
    let archives: [ServedArchive]
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
        let results = try search(query, limit: count, in: try selected(fields))
        return try JSONResponse.ok(SearchResults(query: query, count: results.count, results: results))
    }

    /// The archives a request searches: all, or the one its `archive` field names.
    func selected(_ fields: [String: String?]) throws -> [ServedArchive] {
        guard let field = fields["archive"], let name = field, !name.isEmpty else { return archives }
        guard let archive = archives.first(where: { $0.name == name }) else {
            throw APIProblem.badParameter("archive", "no archive \(name) is served (see /v1/archives)")
        }
        return [archive]
    }

    /// Up to `limit` results, archive by archive in the order served; each names its archive
    /// when several are served.
    func search(_ query: String, limit: Int, in selected: [ServedArchive]) throws -> [ArticleSummary] {
        var results: [ArticleSummary] = []
        for archive in selected where results.count < limit {
            for entry in try archive.store.snapshot.catalog.search(query, limit: limit - results.count) {
                var summary = entry.summary
                if archives.count > 1 { summary.archive = archive.name }
                results.append(summary)
            }
        }
        return results
    }

    @Sendable func page(_ request: Request, context: Context) throws -> Response {
        let fields = RequestInput.query(request.uri.query)
        let query = ((fields["q"] ?? nil) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let chosen = try selected(fields)
        var results: [ArticleSummary] = []
        if !query.isEmpty, query.utf8.count <= Self.maxQueryBytes {
            results = try search(query, limit: limit, in: chosen)
        }
        let narrowed = chosen.count == 1 && archives.count > 1 ? chosen[0].name : nil
        let html = HTMLPage.render(query: query, results: results, articleCount: chosen.reduce(0) { $0 + $1.store.snapshot.articleCount },
                                   limit: limit, archives: archives.count > 1 ? archives.map(\.name) : [], selected: narrowed)
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
