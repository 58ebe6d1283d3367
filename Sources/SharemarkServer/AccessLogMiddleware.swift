import Foundation
import Hummingbird
import Logging

/// One line per request, through swift-log at `info`: when it came, method, path (without the
/// query, which can be long or private), status, body bytes sent and time taken, e.g.
/// `2026-11-29T05:10:00.123Z GET /v1/articles/world/n1 200 412 1.25ms`. The same values are in
/// the line's metadata (`time method path status bytes duration_ms`) for structured handlers.
///
/// Outermost of the middleware, so it sees the problem-details answer of every error and the
/// time of everything after it.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let time = Date.now
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, bytes: response.body.contentLength, time: time, since: start)
            return response
        } catch {
            log(request, status: 500, bytes: nil, time: time, since: start)
            throw error
        }
    }

    func log(_ request: Request, status: Int, bytes: Int?, time: Date, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let stamp = time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let duration = String(format: "%.2f", milliseconds)
        let byteText = bytes.map(String.init) ?? "-"
        let path = request.uri.path
        logger.info(
            "\(stamp) \(request.method.rawValue) \(path) \(status) \(byteText) \(duration)ms",
            metadata: [
                "time": "\(stamp)", "method": "\(request.method.rawValue)", "path": "\(path)",
                "status": "\(status)", "bytes": "\(byteText)", "duration_ms": "\(duration)",
            ])
    }
}
