import NIOPosix
import Synchronization

/// At most `slots` renders at once, on NIO's thread pool (never on an event loop), and at most
/// `queue` requests waiting for a slot; one more is refused at once with 503 and `Retry-After`.
/// Ad-hoc `/v1/qr` images can take tens of milliseconds each at the largest sizes: without a
/// bound, a flood of them would occupy every thread the share images and lookups need.
final class RenderGate: Sendable {
    let slots: Int
    let queue: Int

    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())

    init(slots: Int, queue: Int) {
        self.slots = max(1, slots)
        self.queue = max(0, queue)
    }

    /// Renders currently running and waiting.
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// Runs `work` on the thread pool once a slot is free; throws 503 when the queue is full.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            // Decided and queued under one lock: a slot freed meanwhile always finds the waiter.
            let now: Bool? = state.withLock { state in
                if state.running < slots { state.running += 1; return true }
                if state.waiting.count < queue { state.waiting.append(continuation); return nil }
                return false
            }
            if let now { continuation.resume(returning: now) }
        }
        guard admitted else {
            throw APIProblem(.serviceUnavailable, "too many QR codes are being made; try again in a second",
                             headers: [.retryAfter: "1"])
        }
        defer { release() }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// Hands the slot to the first waiter, or frees it.
    private func release() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if state.waiting.isEmpty { state.running -= 1; return nil }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: true)
    }
}
