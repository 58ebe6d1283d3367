import Hummingbird
import NIOCore

/// `/healthz` and `/metrics`: what each archive's index being served holds (and why one cannot
/// be used, when it cannot), and the Prometheus text.
struct HealthController<Context: RequestContext>: Sendable {
    let archives: [ServedArchive]
    let metrics: ServerMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("healthz", use: health)
        group.get("metrics", use: exposition)
    }

    struct Health: Encodable {
        /// `ok`, or `degraded` when an archive's index cannot be used (it serves what it had).
        var status: String
        /// Articles served in all, and the first archive's index generation.
        var articles: Int
        var generation: Int
        var archives: [Archive]

        struct Archive: Encodable {
            var name: String
            var status: String
            var articles: Int
            var generation: Int
            var error: String?
        }
    }

    @Sendable func health(_ request: Request, context: Context) throws -> Response {
        let each = archives.map { archive in
            let snapshot = archive.store.snapshot
            let failure = archive.failure
            return Health.Archive(name: archive.name, status: failure == nil ? "ok" : "failing", articles: snapshot.articleCount,
                                  generation: snapshot.generation, error: failure)
        }
        let health = Health(status: each.allSatisfy { $0.error == nil } ? "ok" : "degraded", articles: each.reduce(0) { $0 + $1.articles },
                            generation: each[0].generation, archives: each)
        var response = try JSONResponse.ok(health)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func exposition(_ request: Request, context: Context) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
