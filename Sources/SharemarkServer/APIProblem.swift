import Foundation
import Hummingbird
import SharemarkArchive

/// An error that a handler throws to answer with a problem-details body.
public struct APIProblem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    public var extraHeaders: HTTPFields

    public init(_ status: HTTPResponse.Status, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.extraHeaders = headers
    }

    public static func notFound(_ detail: String) -> APIProblem { APIProblem(.notFound, detail) }

    /// A bad query parameter; the detail names it.
    public static func badParameter(_ name: String, _ why: String) -> APIProblem {
        APIProblem(.badRequest, "parameter '\(name)': \(why)")
    }

    public var problem: ProblemDetails {
        ProblemDetails(title: status.reasonPhrase, status: status.code, detail: detail)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.response(problem, headers: extraHeaders)
    }

    static func response(_ problem: ProblemDetails, headers extra: HTTPFields = [:]) -> Response {
        let data = (try? JSONCoding.sortedEncoder.encode(problem)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: HTTPResponse.Status(code: problem.status),
                        headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

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
