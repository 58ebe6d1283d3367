import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes the connection after answering a request that declares a body. No route reads one,
/// and Hummingbird reads a declared body through, and throws it away, before it takes the next
/// request on the connection, however long the body says it is. So such a request's head is
/// passed on with `Connection: close`: Hummingbird then closes the connection once the answer
/// is written, without reading the body, and `OutcomeMiddleware` says so in the answer. HTTP/1.1
/// leaves a server that does not read a request's body that choice (RFC 9112, section 9.6).
///
/// Inbound only: seeing every response part as well, to mark and close, cost 2.4% of the share
/// QR route's throughput pinned to one core (12 alternating rounds against this one).
final class UnreadBodyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var request) = unwrapInboundIn(data), Self.declaresBody(request.headerFields) else {
            return context.fireChannelRead(data)
        }
        request.headerFields[.connection] = "close"
        context.fireChannelRead(wrapInboundOut(.head(request)))
    }

    /// A `Content-Length` other than 0, or any `Transfer-Encoding`.
    static func declaresBody(_ fields: HTTPFields) -> Bool {
        if let length = fields[.contentLength] { return length != "0" }
        return fields[.transferEncoding] != nil
    }
}
