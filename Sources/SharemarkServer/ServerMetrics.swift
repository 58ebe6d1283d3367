import Prometheus
import Synchronization

/// The server's metrics, in its own Prometheus registry (no global state, so several servers
/// can run in one process).
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    private struct RouteKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct RouteMetrics {
        var counter: Counter
        var histogram: DurationHistogram
    }

    /// Counter and histogram of each (route, method, status), made once and then looked up.
    private let routes = Mutex<[RouteKey: RouteMetrics]>([:])
    private let renders: [ImageFormat: Counter]
    private let cacheHits: Counter
    private let cacheMisses: Counter
    /// Per archive: made when an archive first reports.
    private let perArchive = Mutex<[String: (reloads: Counter, articles: Gauge)]>([:])

    static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
    ]

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public init() {
        renders = [
            .png: registry.makeCounter(descriptor: Self.descriptor("sharemark_qr_renders_total", "QR images rendered (not served from the archive or the cache)"), labels: [("format", "png")]),
            .svg: registry.makeCounter(descriptor: Self.descriptor("sharemark_qr_renders_total", "QR images rendered (not served from the archive or the cache)"), labels: [("format", "svg")]),
        ]
        cacheHits = registry.makeCounter(descriptor: Self.descriptor("sharemark_qr_cache_hits_total", "Share QR requests answered from memory"))
        cacheMisses = registry.makeCounter(descriptor: Self.descriptor("sharemark_qr_cache_misses_total", "Share QR requests that read or rendered an image"))
    }

    private func archiveMetrics(_ archive: String) -> (reloads: Counter, articles: Gauge) {
        perArchive.withLock { table in
            if let known = table[archive] { return known }
            let made = (
                reloads: registry.makeCounter(descriptor: Self.descriptor("sharemark_index_reloads_total", "Times a changed index was opened and swapped in"),
                                              labels: [("archive", archive)]),
                articles: registry.makeGauge(descriptor: Self.descriptor("sharemark_index_articles", "Articles in the index being served"),
                                             labels: [("archive", archive)]))
            table[archive] = made
            return made
        }
    }

    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = RouteKey(route: route, method: method, status: status)
        let metrics = routes.withLock { table in
            if let metrics = table[key] { return metrics }
            let metrics = RouteMetrics(
                counter: registry.makeCounter(
                    descriptor: Self.descriptor("sharemark_http_requests_total", "HTTP requests by route, method and status"),
                    labels: [("route", route), ("method", method), ("status", String(status))]),
                histogram: registry.makeDurationHistogram(
                    descriptor: Self.descriptor("sharemark_http_request_duration_seconds", "Time to answer HTTP requests, by route"),
                    labels: [("route", route)], buckets: Self.buckets))
            table[key] = metrics
            return metrics
        }
        metrics.counter.increment()
        metrics.histogram.record(duration)
    }

    func rendered(_ format: ImageFormat) { renders[format]?.increment() }
    func cacheHit() { cacheHits.increment() }
    func cacheMiss() { cacheMisses.increment() }
    func reloaded(archive: String) { archiveMetrics(archive).reloads.increment() }
    func setArticleCount(_ count: Int, archive: String) { archiveMetrics(archive).articles.set(Int64(count)) }

    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
