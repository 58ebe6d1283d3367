/// An API error body in the form of RFC 9457 "problem details": a machine-readable `type`, a
/// short `title`, the HTTP `status` and a `detail` that names what was wrong.
public struct ProblemDetails: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String

    public init(type: String = "about:blank", title: String, status: Int, detail: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }
}
