import Foundation
import Hummingbird

// bare-route FILE CONTENT_TYPE PORT
// Serves FILE's bytes, read once into memory, at GET /bytes on 127.0.0.1:PORT: the most a
// Hummingbird route can do on this machine, which the service is measured against. Also at
// GET /v1/articles/{category}/{id} and …/qr.png.
let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: bare-route FILE CONTENT_TYPE PORT\n".utf8))
    exit(64)
}
let bytes = ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
let contentType = arguments[2]
let router = Router()
router.get("bytes") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: bytes))
}
// The same bytes at paths of the service's article routes (two parameters, read as the
// service reads them): what the router costs for that shape of path, apart from the service.
let shaped: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, context in
    _ = try context.parameters.require("category")
    _ = try context.parameters.require("id")
    return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: bytes))
}
router.get("v1/articles/:category/:id", use: shaped)
router.get("v1/articles/:category/:id/qr.png", use: shaped)
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
