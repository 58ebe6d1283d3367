import Hummingbird
import NIOCore

/// `/healthz` and `/metrics`: what the index being served holds, and the Prometheus text.
struct HealthController<Context: RequestContext>: Sendable {
    let store: CatalogStore
    let metrics: ServerMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("healthz", use: health)
        group.get("metrics", use: exposition)
    }

    @Sendable func health(_ request: Request, context: Context) -> Response {
        let snapshot = store.snapshot
        let body = #"{"status":"ok","articles":\#(snapshot.articleCount),"generation":\#(snapshot.generation)}"#
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    @Sendable func exposition(_ request: Request, context: Context) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
