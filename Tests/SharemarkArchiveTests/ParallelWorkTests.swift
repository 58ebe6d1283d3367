import Foundation
import Synchronization
import Testing
@testable import SharemarkArchive

/// Every index once, results in index order, at chunk sizes that do and do not divide the count.
@Test(arguments: [(1000, 7, 3), (1000, 64, 2), (64, 64, 2), (5, 64, 4), (1, 1, 1)])
func parallelStreamConsumesEveryResultInOrder(count: Int, chunk: Int, jobs: Int) throws {
    let calls = Mutex([Int](repeating: 0, count: count))
    var consumed: [Int] = []
    try parallelStream(count: count, jobs: jobs, chunk: chunk, state: { () }, { _, i in
        calls.withLock { $0[i] += 1 }
        return i * i
    }, consume: { i, value in
        #expect(value == i * i)
        consumed.append(i)
    })
    #expect(consumed == Array(0..<count))
    #expect(calls.withLock { $0 } == [Int](repeating: 1, count: count))
}

@Test func parallelStreamOfNothingConsumesNothing() throws {
    try parallelStream(count: 0, jobs: 2, state: { () }, { _, _ in 1 }, consume: { _, _ in
        Issue.record("nothing to consume")
    })
}

/// The first results are consumed while later ones are still being made (the point of a
/// stream): work past the first 64 items waits until the first result has been consumed (until
/// at most 10 s after the start, so that a map that collected everything first fails rather
/// than hangs). Each worker thread keeps its own state.
@Test func parallelStreamConsumesBeforeTheWorkIsDone() throws {
    let made = Atomic<Int>(0)
    // Opened by the first consume; workers past item 64 block on it (a condition, not a poll).
    let firstConsumed = NSCondition()
    nonisolated(unsafe) var isFirstConsumed = false
    let count = 2000
    var madeWhenFirstConsumed: Int?
    // One deadline for the whole run, so that a map that collects everything first fails in
    // 10 s rather than waiting 10 s an item.
    let deadline = Date(timeIntervalSinceNow: 10)
    try parallelStream(count: count, jobs: 2, chunk: 8, state: { [Int]() }, { seen, i in
        if i >= 64 {
            firstConsumed.lock()
            while !isFirstConsumed && firstConsumed.wait(until: deadline) {}
            firstConsumed.unlock()
        }
        seen.append(i)
        made.add(1, ordering: .relaxed)
        // Each thread's state holds only what that thread made, in the order it made them.
        return seen.count == 1 || seen[seen.count - 2] < i
    }, consume: { i, ownStateInOrder in
        #expect(ownStateInOrder)
        if i == 0 {
            madeWhenFirstConsumed = made.load(ordering: .relaxed)
            firstConsumed.lock()
            isFirstConsumed = true
            firstConsumed.broadcast()
            firstConsumed.unlock()
        }
    })
    let first = try #require(madeWhenFirstConsumed)
    #expect(first <= 64, "the first result waited for \(first) of \(count)")
    #expect(made.load(ordering: .relaxed) == count)
}

/// A count that threads raise and others wait on (a condition, not a poll).
final class EventCount: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    var value: Int { condition.lock(); defer { condition.unlock() }; return count }

    func add() {
        condition.lock()
        count += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the count is at least `target`; false when `deadline` came first.
    func wait(atLeast target: Int, until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count < target { if !condition.wait(until: deadline) { return count >= target } }
        return true
    }
}

/// A consumer that lets the workers run as far ahead as they can before each chunk holds them
/// back: they fill the window (waited for, as the event it is), and at no point are more than
/// `aheadChunks` chunks made and not yet consumed (the results in memory). Every item is made once.
@Test func parallelStreamWorkersStayWithinTheirWindow() throws {
    let made = EventCount()
    let chunk = 8, ahead = 3, count = 2000
    let deadline = Date(timeIntervalSinceNow: 10)
    var worst = 0
    var consumed = 0
    try parallelStream(count: count, jobs: 2, chunk: chunk, aheadChunks: ahead, state: { () }, { _, i in
        made.add()
        return i
    }, consume: { i, value in
        #expect(value == i)
        // Chunks whose results were all consumed have given their permits back.
        let allowed = min(count, (i / chunk + ahead) * chunk)
        if i % chunk == 0 {
            #expect(made.wait(atLeast: allowed, until: deadline), "the workers did not fill their window")
        }
        worst = max(worst, made.value - allowed)
        consumed += 1
    })
    #expect(worst == 0, "\(worst) items made past the window")
    #expect(consumed == count && made.value == count)
}

/// An error from `consume` comes out once the workers have stopped: no work goes on after
/// the call returns, and most of it was never started.
@Test func parallelStreamStopsItsWorkersWhenConsumeThrows() throws {
    struct Stop: Error {}
    let made = Atomic<Int>(0), inBody = Atomic<Int>(0), startedAfterReturn = Atomic<Int>(0)
    let returned = Atomic<Bool>(false)
    let threads = Mutex<Set<String>>([])
    let count = 10_000
    // Items past the first 64 wait until the consumer has thrown: the workers cannot have made
    // a tenth of the items by then, however the threads are scheduled.
    let thrown = EventCount()
    let thrownBy = Date(timeIntervalSinceNow: 10)
    #expect(throws: Stop.self) {
        try parallelStream(count: count, jobs: 2, chunk: 4, state: { () }, { _, i in
            threads.withLock { _ = $0.insert(currentThreadID()) }
            if returned.load(ordering: .acquiring) { startedAfterReturn.add(1, ordering: .relaxed) }
            inBody.add(1, ordering: .relaxed)
            defer { inBody.subtract(1, ordering: .releasing) }
            if i >= 64 { _ = thrown.wait(atLeast: 1, until: thrownBy) }
            made.add(1, ordering: .relaxed)
            return i
        }, consume: { i, _ in
            if i == 20 {
                thrown.add()
                throw Stop()
            }
        })
    }
    let afterReturn = made.load(ordering: .relaxed)
    returned.store(true, ordering: .releasing)
    #expect(inBody.load(ordering: .acquiring) == 0, "a worker was still in the body when the call returned")
    // Wait for the event itself: every thread that ran the body has ended (its /proc entry is
    // gone). Only then can no later item start, and none did.
    let deadline = ContinuousClock.now + .seconds(10)
    for tid in threads.withLock({ $0 }) {
        while access("/proc/self/task/\(tid)", F_OK) == 0 && ContinuousClock.now < deadline { sched_yield() }
        #expect(access("/proc/self/task/\(tid)", F_OK) != 0, "worker thread \(tid) still runs")
    }
    #expect(startedAfterReturn.load(ordering: .acquiring) == 0, "a worker started an item after the call returned")
    #expect(made.load(ordering: .relaxed) == afterReturn)
    #expect(afterReturn < count / 10)
}

@Test func parallelMapKeepsIndexOrder() {
    let squares = parallelMap(count: 1000, jobs: 3, chunk: 7) { $0 * $0 }
    #expect(squares == (0..<1000).map { $0 * $0 })
}

/// The calling thread's id, as /proc/thread-self names it ("PID/task/TID").
private func currentThreadID() -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let n = readlink("/proc/thread-self", &buffer, buffer.count - 1)
    precondition(n > 0, "no /proc/thread-self")
    return String(String(cString: buffer).split(separator: "/").last!)
}

/// A result consumed is freed by the worker that next fills its slot, not by the consumer: the
/// consumer is the one thread that cannot be parallel. Only the last ring's worth (at most
/// `aheadChunks` chunks) is freed when the stream ends; every result is freed once, after it
/// was consumed.
@Test func parallelStreamFreesConsumedResultsOnTheWorkers() throws {
    final class Ledger: @unchecked Sendable {
        let consumer = pthread_self()
        let lock = NSLock()
        var consumed = Set<Int>()
        var freed: [(index: Int, afterConsumed: Bool, onConsumer: Bool)] = []
    }
    final class Tracked: @unchecked Sendable {
        let index: Int
        let ledger: Ledger
        init(_ index: Int, _ ledger: Ledger) { self.index = index; self.ledger = ledger }
        deinit {
            ledger.lock.lock()
            ledger.freed.append((index, ledger.consumed.contains(index), pthread_equal(pthread_self(), ledger.consumer) != 0))
            ledger.lock.unlock()
        }
    }
    let ledger = Ledger()
    let count = 2000, chunk = 8, ahead = 4
    try parallelStream(count: count, jobs: 2, chunk: chunk, aheadChunks: ahead, state: { () }, { _, i in Tracked(i, ledger) },
                       consume: { i, result in
        #expect(result.index == i)
        ledger.lock.lock()
        ledger.consumed.insert(i)
        ledger.lock.unlock()
    })
    let freed = ledger.lock.withLock { ledger.freed }
    #expect(freed.count == count)
    #expect(Set(freed.map(\.index)).count == count)
    #expect(freed.allSatisfy { $0.afterConsumed })
    let onConsumer = freed.filter(\.onConsumer).count
    #expect(onConsumer <= ahead * chunk, "\(onConsumer) of \(count) results freed by the consumer")
}
