/// An API error body in the form of RFC 9457 "problem details": a machine-readable `type`, a
/// short `title`, the HTTP `status` and a `detail` that names what was wrong; and, as an
/// extension member, the `candidates` of a 409 for an id that names several articles (absent
/// from every other problem).
public struct ProblemDetails: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var candidates: [ArticleSummary]?

    public init(type: String = "about:blank", title: String, status: Int, detail: String,
                candidates: [ArticleSummary]? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.candidates = candidates
    }
}
