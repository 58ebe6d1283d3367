import Hummingbird
import NIOCore
import SharemarkArchive

/// A 200 answer with a JSON body, in the one JSON set-up (sorted keys).
enum JSONResponse {
    static func ok(_ value: some Encodable) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONCoding.sortedEncoder.encode(value))))
    }
}
