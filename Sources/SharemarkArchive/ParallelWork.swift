import Dispatch
import Foundation
import Synchronization

/// Runs `body` for every index of `count` on `jobs` threads; results keep the order of the
/// indices. The parallel loop of Sharemark: scanning, planning, rendering, writing and checking
/// go through it, and parsing pages through `parallelStream`, its form for a consumer that
/// takes the results in order while they are made.
///
/// Each thread starts on its own contiguous share of the indices and, when done, takes small
/// chunks from the others' shares. Items come sorted by path, so the threads mostly work in
/// different folders: file creation in one folder is serialised by the kernel, and two threads
/// writing side by side in the same folder would spin on its lock.
public func parallelMap<T: Sendable>(count: Int, jobs: Int, chunk: Int = 32,
                                     _ body: @Sendable (Int) -> T) -> [T] {
    parallelMap(count: count, jobs: jobs, chunk: chunk, state: { () }) { _, i in body(i) }
}

/// `parallelMap` with a value each thread makes once and passes to every call on that thread
/// (a parser with its own copies of shared templates: reference-counted storage shared by all
/// threads would make them contend on its counts).
public func parallelMap<T: Sendable, State>(count: Int, jobs: Int, chunk: Int = 32,
                                            state makeState: @Sendable () -> State,
                                            _ body: @Sendable (inout State, Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let results = ResultSlots<T>(count: count)
    let workers = max(1, min(jobs, (count + chunk - 1) / chunk))
    let shares = Shares(count: count, parts: workers)
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var state = makeState()
        for offset in 0..<workers {
            let share = (worker + offset) % workers
            while let range = shares.take(share, chunk: chunk) {
                for i in range { results.set(i, body(&state, i)) }
            }
        }
    }
    return results.collect()
}

/// `parallelMap` whose results the calling thread takes in index order while `jobs` other
/// threads are still making later ones: `consume` gets each result once, in order, as soon as
/// it and those before it are made. The workers take chunks in ascending order, so results
/// arrive about in order. When `consume` throws, the workers stop after their current chunk,
/// and the error is rethrown once they have.
///
/// For a step that must run on one thread after a parallel one (writing parsed pages into
/// SQLite): the two overlap instead of following each other.
public func parallelStream<T: Sendable, State>(count: Int, jobs: Int, chunk: Int = 64,
                                               state makeState: @escaping @Sendable () -> State,
                                               _ body: @escaping @Sendable (inout State, Int) -> T,
                                               consume: (Int, T) throws -> Void) throws {
    guard count > 0 else { return }
    let chunks = (count + chunk - 1) / chunk
    let stream = ChunkStream<T>(count: count, chunks: chunks)
    let workers = max(1, min(jobs, chunks))
    let finished = DispatchGroup()
    for _ in 0..<workers {
        finished.enter()
        Thread.detachNewThread {
            defer { finished.leave() }
            var state = makeState()
            while !stream.stopped.load(ordering: .relaxed) {
                let c = stream.nextChunk.add(1, ordering: .relaxed).oldValue
                guard c < chunks else { break }
                for i in (c * chunk)..<min(count, (c + 1) * chunk) { stream.slots.set(i, body(&state, i)) }
                stream.ready[c].signal()
            }
        }
    }
    defer {
        stream.stopped.store(true, ordering: .relaxed)
        finished.wait()
    }
    for c in 0..<chunks {
        stream.ready[c].wait()
        for i in (c * chunk)..<min(count, (c + 1) * chunk) { try consume(i, stream.slots.take(i)) }
    }
}

/// The shared state of one `parallelStream`: result slots, the next chunk to hand out, one
/// semaphore per chunk signalled when its results are all set.
private final class ChunkStream<T>: @unchecked Sendable {
    let slots: ResultSlots<T>
    let nextChunk = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
    let ready: [DispatchSemaphore]

    init(count: Int, chunks: Int) {
        slots = ResultSlots(count: count)
        ready = (0..<chunks).map { _ in DispatchSemaphore(value: 0) }
    }
}

/// Contiguous shares of `0..<count`, each with a cursor, handed out in chunks.
private final class Shares: Sendable {
    private let cursors: Mutex<[(next: Int, end: Int)]>

    init(count: Int, parts: Int) {
        cursors = Mutex((0..<parts).map { (count * $0 / parts, count * ($0 + 1) / parts) })
    }

    func take(_ share: Int, chunk: Int) -> Range<Int>? {
        cursors.withLock { cursors in
            let (next, end) = cursors[share]
            guard next < end else { return nil }
            let upper = min(next + chunk, end)
            cursors[share].next = upper
            return next..<upper
        }
    }
}

/// Slots written once each, by index, from many threads; read after all writers are done.
private final class ResultSlots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T?>
    private let count: Int

    init(count: Int) {
        self.count = count
        base = UnsafeMutablePointer<T?>.allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }

    func set(_ index: Int, _ value: T) { base[index] = value }

    /// Moves the result at `index` out of its slot (set before, taken once).
    func take(_ index: Int) -> T {
        var value: T? = nil
        swap(&value, &base[index])
        return value!
    }

    /// The results, moved out of the slots (copying each would retain and later release every
    /// reference it holds: a parsed page holds dozens). Called once.
    func collect() -> [T] {
        precondition(!collected, "results collected twice")
        collected = true
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { (buffer.baseAddress! + i).initialize(to: (base + i).move()!) }
            initialized = count
        }
    }
    private var collected = false

    deinit {
        // Slots taken or never set hold nil; the rest are released here.
        if !collected { base.deinitialize(count: count) }
        base.deallocate()
    }
}

/// The number of processors available, the default for `--jobs`.
public var availableProcessors: Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
}
