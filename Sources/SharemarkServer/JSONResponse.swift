import Hummingbird
import NIOCore
import SharemarkArchive

/// A 200 answer with a JSON body, in the one JSON set-up (sorted keys).
enum JSONResponse {
    static let headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    static func ok(_ value: some Encodable) throws -> Response {
        ok(ByteBuffer(bytes: try JSONCoding.sortedEncoder.encode(value)))
    }

    /// JSON encoded before (an article's, once per snapshot).
    static func ok(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
