import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes the connection after answering a request that declares a body. No route reads one,
/// and Hummingbird reads a declared body through, and throws it away, before it takes the next
/// request on the connection, however long the body says it is. So the answer says
/// `Connection: close`, and the connection is closed once it is written: HTTP/1.1 leaves a
/// server that does not read a request's body that choice (RFC 9112, section 9.6).
final class UnreadBodyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var closeAfterResponse = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data), Self.declaresBody(request.headerFields) {
            closeAfterResponse = true
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard closeAfterResponse else { return context.write(data, promise: promise) }
        switch unwrapOutboundIn(data) {
        case .head(var response):
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let written = promise ?? context.eventLoop.makePromise()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
            context.write(data, promise: written)
        }
    }

    /// A `Content-Length` other than 0, or any `Transfer-Encoding`.
    static func declaresBody(_ fields: HTTPFields) -> Bool {
        if let length = fields[.contentLength] { return length != "0" }
        return fields[.transferEncoding] != nil
    }
}
