#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import Synchronization

/// At most `slots` renders at once, on threads of their own (never on an event loop, nor on
/// the thread pool that lookups use), and at most `queue` requests waiting for a slot; one more
/// is refused at once with 503 and `Retry-After`. Ad-hoc `/v1/qr` images can take tens of
/// milliseconds each at the largest sizes: without a bound, a flood of them would occupy every
/// thread the share images and lookups need.
///
/// The render threads run under Linux's SCHED_IDLE policy (and nice 10): they take only CPU time
/// no other thread wants, and a woken event loop takes the core from them at once. So on a
/// machine whose cores a flood of renders keeps busy, share images and lookups are not held up
/// behind renders (`Scripts/load-test.sh`'s flood case: with nice 10 alone an article's p99 rose
/// sevenfold under the flood, with SCHED_IDLE about twofold); under a load that keeps every core
/// busy, ad-hoc renders wait, and past the queue are refused.
final class RenderGate: Sendable {
    let slots: Int
    let queue: Int
    private let threads: NIOThreadPool

    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())

    init(slots: Int, queue: Int) {
        self.slots = max(1, slots)
        self.queue = max(0, queue)
        threads = NIOThreadPool(numberOfThreads: self.slots)
        threads.start()
    }

    deinit {
        threads.shutdownGracefully { _ in }
    }

    /// Lowers the calling thread's priority; best effort. On Linux the scheduling policy and
    /// the nice value are a thread's own, and pid 0 names the calling thread.
    private static func lowerPriority() {
        #if os(Linux)
        var parameters = sched_param(sched_priority: 0)
        _ = sched_setscheduler(0, 5 /* SCHED_IDLE */, &parameters)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
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
        return try await threads.runIfActive {
            Self.lowerPriority()
            return try work()
        }
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
