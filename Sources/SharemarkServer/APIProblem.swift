import Foundation
import Hummingbird
import SharemarkArchive

/// An error that a handler throws to answer with a problem-details body.
public struct APIProblem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    public var extraHeaders: HTTPFields
    /// The articles an ambiguous id names (409 only).
    public var candidates: [ArticleSummary]?

    public init(_ status: HTTPResponse.Status, _ detail: String, headers: HTTPFields = [:],
                candidates: [ArticleSummary]? = nil) {
        self.status = status
        self.detail = detail
        self.extraHeaders = headers
        self.candidates = candidates
    }

    public static func notFound(_ detail: String) -> APIProblem { APIProblem(.notFound, detail) }

    /// 409: an id that names articles in several categories; the body lists them.
    public static func ambiguous(id: String, candidates: [ArticleSummary]) -> APIProblem {
        let keys = candidates.map { "\($0.category)/\($0.id)" }
        return APIProblem(.conflict,
                          "id \(id) names \(keys.count) articles: \(keys.joined(separator: ", ")); ask for /v1/articles/{category}/\(id)",
                          candidates: candidates)
    }

    /// A bad query parameter; the detail names it.
    public static func badParameter(_ name: String, _ why: String) -> APIProblem {
        APIProblem(.badRequest, "parameter '\(name)': \(why)")
    }

    public var problem: ProblemDetails {
        ProblemDetails(title: status.reasonPhrase, status: status.code, detail: detail, candidates: candidates)
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
