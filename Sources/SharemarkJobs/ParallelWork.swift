import Dispatch
import Synchronization

/// Runs `body` for every index of `count` on `jobs` threads, handing out indices in small
/// chunks so that slow items (a zbar decode) do not leave other threads idle. Results keep the
/// order of the indices.
func parallelMap<T: Sendable>(count: Int, jobs: Int, chunk: Int = 32,
                              _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let results = ResultSlots<T>(count: count)
    let next = Atomic<Int>(0)
    let workers = max(1, min(jobs, (count + chunk - 1) / chunk))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let start = next.add(chunk, ordering: .relaxed).oldValue
            if start >= count { break }
            for i in start..<min(start + chunk, count) { results.set(i, body(i)) }
        }
    }
    return results.collect()
}

/// Slots written once each, by index, from many threads; read after all writers are done.
private final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let base: UnsafeMutablePointer<T?>

    init(count: Int) {
        base = UnsafeMutablePointer<T?>.allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
        storage = []
        self.count = count
    }

    private let count: Int

    func set(_ index: Int, _ value: T) { base[index] = value }

    func collect() -> [T] {
        (0..<count).map { base[$0]! }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

/// The number of processors available, the default for `--jobs`.
public var availableProcessors: Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
}

import Foundation
