import Dispatch
import Foundation
import Hummingbird
import NIOPosix
import Synchronization
import Testing
@testable import SharemarkServer

/// Ad-hoc renders are bounded: `slots` at once, `queue` waiting, the next refused with 503 and
/// `Retry-After`; a freed slot goes to the first waiter.
@Suite struct RenderGateTests {
    /// Waits (yielding) until the gate's load is `expected`. The limit only guards against a
    /// hang: the task that is to queue needs a thread of the cooperative pool, which the rest of
    /// the suite's blocking waits can hold for many seconds on a two-core machine.
    func until(_ gate: RenderGate, running: Int, waiting: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while gate.load != (running, waiting), ContinuousClock.now < deadline { await Task.yield() }
        try #require(gate.load == (running, waiting), "load \(gate.load)")
    }

    /// Renders run on threads under SCHED_IDLE at nice 10, below the event loops and the
    /// lookups' thread pool, which keep the process's own policy and priority.
    @Test func rendersRunAtALowerPriorityThanTheRest() async throws {
        let gate = RenderGate(slots: 2, queue: 4)
        errno = 0
        let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        try #require(errno == 0 && own < 10, "the tests already run at nice \(own)")
        let ownPolicy = sched_getscheduler(0)
        for _ in 0..<3 {
            let render = try await gate.run { (getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0), sched_getscheduler(0)) }
            #expect(render.0 == 10)
            #expect(render.1 == 5, "the render thread's policy is \(render.1), not SCHED_IDLE (5)")
        }
        let lookup = try await NIOThreadPool.singleton.runIfActive {
            (getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0), sched_getscheduler(0))
        }
        #expect(lookup.0 == own && lookup.1 == ownPolicy && ownPolicy != 5)
    }

    @Test func oneRunsOneWaitsTheNextIsRefused() async throws {
        let gate = RenderGate(slots: 1, queue: 1)
        // The work blocks a thread-pool thread until released; the test waits for it to start
        // without blocking a thread of its own (an AsyncStream, not a semaphore).
        let (started, startedSignal) = AsyncStream.makeStream(of: Void.self)
        let release = DispatchSemaphore(value: 0)
        let first = Task { try await gate.run { startedSignal.yield(()); release.wait(); return "first" } }
        // The first holds the one slot, inside its work.
        var iterator = started.makeAsyncIterator()
        try #require(await iterator.next() != nil)
        let second = Task { try await gate.run { "second" } }
        try await until(gate, running: 1, waiting: 1)

        let refused = await #expect(throws: APIProblem.self) { try await gate.run { "third" } }
        #expect(refused?.status == .serviceUnavailable)
        #expect(refused?.extraHeaders[.retryAfter] == "1")

        release.signal()
        #expect(try await first.value == "first")
        #expect(try await second.value == "second")
        try await until(gate, running: 0, waiting: 0)
        #expect(try await gate.run { "again" } == "again")
    }

    @Test func manyAtOnceNeverRunMoreThanTheSlots() async throws {
        /// Renders running, started and the most at once; a render waits (on the condition)
        /// until a second one runs beside it, or none is left to start, so that renders overlap
        /// whatever the scheduling.
        final class Counts: @unchecked Sendable {
            let condition = NSCondition()
            var running = 0, started = 0, most = 0
        }
        let gate = RenderGate(slots: 2, queue: 100)
        let counts = Counts()
        let total = 40
        // Only a guard against a hang, not part of the proof: each render's task needs a thread
        // of the cooperative pool to reach the gate, and the rest of the suite's blocking waits
        // can hold those for many seconds (a 10 s limit once ran out before a second started).
        let deadline = Date(timeIntervalSinceNow: 180)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<total {
                group.addTask {
                    try await gate.run {
                        counts.condition.lock()
                        defer { counts.condition.unlock() }
                        counts.running += 1
                        counts.started += 1
                        counts.most = max(counts.most, counts.running)
                        counts.condition.broadcast()
                        while counts.running < 2 && counts.started < total && counts.condition.wait(until: deadline) {}
                        counts.running -= 1
                        return n
                    }
                }
            }
            var done = Set<Int>()
            for try await n in group { done.insert(n) }
            #expect(done == Set(0..<total))
        }
        #expect(counts.most == 2, "two renders at once, never more than the slots")
        #expect(gate.load == (0, 0))
    }
}
