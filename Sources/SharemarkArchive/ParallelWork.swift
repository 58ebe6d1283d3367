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
/// arrive about in order. The workers stay at most `aheadChunks` chunks (default four per
/// worker) ahead of `consume`, and results wait in a ring of that many chunks' slots: memory
/// for a few hundred results whatever the count and whichever side is faster (slots for every
/// parsed page of an archive of 300,000 took a hundred megabytes). When
/// `consume` throws, the workers stop after their current chunk, and the error is rethrown once
/// they have. A result consumed is freed by the worker that next fills its slot.
///
/// For a step that must run on one thread after a parallel one (writing parsed pages into
/// SQLite): the two overlap instead of following each other.
public func parallelStream<T: Sendable, State>(count: Int, jobs: Int, chunk: Int = 64, aheadChunks: Int? = nil,
                                               state makeState: @escaping @Sendable () -> State,
                                               _ body: @escaping @Sendable (inout State, Int) -> T,
                                               consume: (Int, T) throws -> Void) throws {
    guard count > 0 else { return }
    let chunks = (count + chunk - 1) / chunk
    let workers = max(1, min(jobs, chunks))
    let ahead = max(workers, aheadChunks ?? 4 * workers)
    let stream = ChunkStream<T>(chunks: chunks, slots: min(count, ahead * chunk))
    // A permit per chunk taken and not yet consumed. Chunks are taken in ascending order, so the
    // oldest unconsumed one is always taken by a worker that will finish it: no deadlock. And
    // when chunk c is taken, chunk c - ahead has been consumed: its slots in the ring, the same
    // as c's, are free. Made at 0 and signalled up: libdispatch traps when a semaphore is freed
    // below its initial value, which a stop part-way leaves.
    let permits = DispatchSemaphore(value: 0)
    for _ in 0..<ahead { permits.signal() }
    let ring = ahead * chunk
    let finished = DispatchGroup()
    for _ in 0..<workers {
        finished.enter()
        Thread.detachNewThread {
            defer { finished.leave() }
            var state = makeState()
            while true {
                permits.wait()
                guard !stream.stopped.load(ordering: .relaxed) else { break }
                let c = stream.nextChunk.add(1, ordering: .relaxed).oldValue
                guard c < chunks else { break }
                for i in (c * chunk)..<min(count, (c + 1) * chunk) { stream.slots.set(i % ring, body(&state, i)) }
                stream.ready[c].signal()
            }
            // A worker that stops hands its permit on: another may be waiting for one.
            permits.signal()
        }
    }
    defer {
        stream.stopped.store(true, ordering: .relaxed)
        permits.signal()
        finished.wait()
    }
    for c in 0..<chunks {
        stream.ready[c].wait()
        for i in (c * chunk)..<min(count, (c + 1) * chunk) {
            // Consumed, the result goes back to its slot, and the worker that next fills the slot
            // frees it: the memory of a result is the workers', and freeing it here took this
            // thread, the one that cannot be parallel, a tenth of its time (and glibc's lock
            // on the workers' arenas).
            let result = stream.slots.take(i % ring)
            try consume(i, result)
            stream.slots.putBack(i % ring, result)
        }
        permits.signal()
    }
}

/// The shared state of one `parallelStream`: a ring of result slots (as many as the chunks the
/// workers may be ahead), the next chunk to hand out, one semaphore per chunk signalled when its
/// results are all set.
private final class ChunkStream<T>: @unchecked Sendable {
    let slots: ResultSlots<T>
    let nextChunk = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
    let ready: [DispatchSemaphore]

    init(chunks: Int, slots: Int) {
        self.slots = ResultSlots(count: slots)
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

    /// Moves a result taken back into its empty slot.
    func putBack(_ index: Int, _ value: consuming T) { base[index] = value }

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
