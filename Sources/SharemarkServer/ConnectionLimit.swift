import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// The most connections open at once. A connection beyond it is closed as soon as it is
/// accepted, before a byte is read or written: the client sees the connection closed (an
/// "empty reply"), the server spends nothing on it, and the connections already open are
/// served as before. Hummingbird's own `MaximumAvailableConnections` instead stops accepting,
/// so that new connections wait, unanswered, in the kernel's listen queue until one closes.
public final class ConnectionLimit: Sendable {
    public let maximum: Int
    private let open = Atomic<Int>(0)

    public init(maximum: Int) {
        precondition(maximum > 0, "the connection limit must be positive")
        self.maximum = maximum
    }

    /// Connections admitted and not yet closed.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Takes a place, unless all are taken.
    func admit() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < maximum {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        open.subtract(1, ordering: .relaxed)
    }
}

/// HTTP/1 connections under a `ConnectionLimit`: admitted ones are Hummingbird's `HTTP1Channel`
/// unchanged; the others are closed at once.
struct LimitedHTTP1Channel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
        /// nil: refused, and closed.
        let admitted: HTTP1Channel.Value?
    }

    let http: HTTP1Channel
    let limit: ConnectionLimit

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard limit.admit() else {
            logger.debug("connection refused: at the connection limit", metadata: ["limit": "\(limit.maximum)"])
            // On the channel's event loop, after its registration (a failed one only closes it).
            channel.eventLoop.execute { channel.close(promise: nil) }
            return channel.eventLoop.makeSucceededFuture(Value(channel: channel, admitted: nil))
        }
        let limit = self.limit
        channel.closeFuture.whenComplete { _ in limit.release() }
        return http.setup(channel: channel, logger: logger).map { Value(channel: channel, admitted: $0) }
    }

    func handle(value: Value, logger: Logger) async {
        guard let admitted = value.admitted else { return }
        await http.handle(value: admitted, logger: logger)
    }
}
