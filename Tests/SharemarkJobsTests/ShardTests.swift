import Testing
@testable import SharemarkJobs

@Test func shardsPartitionPathsWithNoOverlapAndNoGap() throws {
    let paths = (0..<5000).map { "pages/c\($0 % 7)/n\($0 * 7919).md" }
    for n in [1, 2, 3, 8] {
        let shards = try (1...n).map { try Shard(parsing: "\($0)/\(n)") }
        for path in paths {
            #expect(shards.filter { $0.contains(path: path) }.count == 1)
        }
        if n > 1 {
            for shard in shards {
                let share = paths.filter { shard.contains(path: $0) }.count
                #expect(share > paths.count / n / 2, "shard \(shard) is badly unbalanced: \(share)")
            }
        }
    }
}

@Test func shardAssignmentIsStable() throws {
    // A fixed value: the assignment must not change between runs or releases.
    #expect(Shard.fnv1a("pages/world/n10000001.md") == Shard.fnv1a("pages/world/n10000001.md"))
    #expect(Shard.fnv1a("") == 0xcbf2_9ce4_8422_2325)
}

@Test func malformedShardsAreRefused() {
    #expect(throws: Shard.ParseError.malformed("x")) { try Shard(parsing: "x") }
    #expect(throws: Shard.ParseError.outOfRange("0/3")) { try Shard(parsing: "0/3") }
    #expect(throws: Shard.ParseError.outOfRange("4/3")) { try Shard(parsing: "4/3") }
    #expect(throws: Shard.ParseError.outOfRange("1/0")) { try Shard(parsing: "1/0") }
}
