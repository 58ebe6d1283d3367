import Hummingbird

/// Where every request ends: an error becomes a problem-details response (the router's own 404
/// and 405 included, so clients see one error shape), a response on a connection about to be
/// closed says `Connection: close`, and the response is counted and timed by its route pattern
/// (not by its path, so that the number of series stays bounded).
///
/// One middleware, not two: each middleware is an async frame around every request, and a
/// second one cost about 2% of the share QR route's throughput.
struct OutcomeMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.problem(error, request: request, context: context)
        }
        // Hummingbird closes the connection after answering a request that asks for it (or
        // whose body is not read: UnreadBodyHandler); the answer says so.
        if request.headers[.connection] == "close" { response.headers[.connection] = "close" }
        let route = context.endpointPath.map(ArticlesController<Context>.reportedRoute) ?? "unmatched"
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code,
                        duration: ContinuousClock.now - start)
        return response
    }

    /// The problem-details response of an error.
    static func problem(_ error: any Error, request: Request, context: Context) throws -> Response {
        switch error {
        case let problem as APIProblem:
            return APIProblem.response(problem.problem, headers: problem.extraHeaders)
        case let error as HTTPError:
            let detail: String
            switch error.status {
            case .notFound: detail = "no resource at \(request.uri.path)"
            case .methodNotAllowed: detail = "\(request.method) is not allowed on \(request.uri.path)"
            default: detail = error.body ?? "\(error.status.reasonPhrase)"
            }
            return APIProblem.response(ProblemDetails(title: error.status.reasonPhrase, status: error.status.code, detail: detail))
        case let error as any HTTPResponseError:
            return try error.response(from: request, context: context)
        default:
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIProblem.response(ProblemDetails(title: "Internal Server Error", status: 500,
                                                      detail: "the server could not answer this request"))
        }
    }
}
