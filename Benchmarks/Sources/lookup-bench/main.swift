import Foundation
import SharemarkArchive

// lookup-bench ARCHIVE INDEX IDS_FILE [ROUNDS]
// Brings the index up to date once, then looks up every id of IDS_FILE (one per line) ROUNDS
// times through `ArchiveIndex.lookup`, checking that each is found as that id; prints the
// time per call. Exits 1 when a lookup does not find its page, so a broken run prints no figure.
let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: lookup-bench ARCHIVE INDEX IDS_FILE [ROUNDS]\n".utf8))
    exit(64)
}
let rounds = arguments.count > 4 ? Int(arguments[4]) ?? 10 : 10
let ids = try String(contentsOfFile: arguments[3], encoding: .utf8).split(separator: "\n").map(String.init)
guard !ids.isEmpty else { FileHandle.standardError.write(Data("no ids in \(arguments[3])\n".utf8)); exit(64) }
let index = try ArchiveIndex(archive: arguments[1], indexPath: arguments[2])
try index.update()

func lookUpAll() throws -> Int {
    var found = 0
    for id in ids {
        guard case .found(let article) = try index.lookup(id), article.id == id.split(separator: "/").last.map(String.init) else {
            FileHandle.standardError.write(Data("lookup-bench: \(id) was not found as itself\n".utf8))
            exit(1)
        }
        found += article.title == nil ? 0 : 1
    }
    return found
}
_ = try lookUpAll()  // warm-up: statements prepared, pages cached
/// CPU time of this thread, in seconds: on a shared machine it moves far less than wall-clock
/// time when other work competes for the cores.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
let start = ContinuousClock.now
let startCPU = threadCPUSeconds()
var titled = 0
for _ in 0..<rounds { titled += try lookUpAll() }
let cpu = threadCPUSeconds() - startCPU
let elapsed = ContinuousClock.now - start
let calls = rounds * ids.count
let (seconds, attoseconds) = elapsed.components
let micro = (Double(seconds) + Double(attoseconds) / 1e18) * 1e6 / Double(calls)
print(String(format: "lookup-bench: %d lookups (%d ids x %d rounds), %.1f µs per call, %.1f µs of CPU per call, %d with a title",
             calls, ids.count, rounds, micro, cpu * 1e6 / Double(calls), titled))
