import Hummingbird

/// Turns every error into a problem-details response, so that clients see one error shape
/// (the router's own 404 and 405 included).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as APIProblem {
            return APIProblem.response(problem.problem, headers: problem.extraHeaders)
        } catch let error as HTTPError {
            let detail: String
            switch error.status {
            case .notFound: detail = "no resource at \(request.uri.path)"
            case .methodNotAllowed: detail = "\(request.method) is not allowed on \(request.uri.path)"
            default: detail = error.body ?? "\(error.status.reasonPhrase)"
            }
            return APIProblem.response(ProblemDetails(title: error.status.reasonPhrase, status: error.status.code, detail: detail))
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIProblem.response(ProblemDetails(title: "Internal Server Error", status: 500,
                                                      detail: "the server could not answer this request"))
        }
    }
}
