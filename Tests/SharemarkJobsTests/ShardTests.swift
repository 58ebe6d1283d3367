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

/// The hash is FNV-1a, 64-bit: the published test vectors of its authors.
@Test func hashIsFNV1a64() {
    #expect(Shard.fnv1a("") == 0xcbf2_9ce4_8422_2325)
    #expect(Shard.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
    #expect(Shard.fnv1a("foobar") == 0x8594_4171_f739_67e8)
    // Over the UTF-8 bytes of an archive path.
    #expect(Shard.fnv1a("pages/world/n10000001.md") == 0xe411_02a1_a461_16da)
}

/// Where known paths land, fixed once: a CI matrix split by one release must be split the same
/// way by the next, so a change of hash, of byte order or of modulo fails here.
@Test(arguments: [
    // path, then the 1-based shard it belongs to for N = 2, 3, 4, 7, 10
    ("pages/world/n10000001.md", [1, 1, 3, 2, 5]),
    ("pages/world/n10000001.md.png", [2, 2, 4, 3, 6]),
    ("pages/culture/painting.md", [1, 3, 3, 4, 9]),
    ("pages/nsc418/jkdv-05312019110343.md", [1, 2, 3, 3, 1]),
    ("pages/butongdeshengyin/n12962013.md", [2, 2, 4, 4, 2]),
    ("pages/世界/北极.md", [2, 2, 2, 5, 2]),
])
func shardAssignmentIsStable(path: String, expected: [Int]) throws {
    for (n, i) in zip([2, 3, 4, 7, 10], expected) {
        let holders = try (1...n).filter { try Shard(parsing: "\($0)/\(n)").contains(path: path) }
        #expect(holders == [i], "\(path) in \(n) shards")
    }
    #expect(try Shard(parsing: "1/1").contains(path: path))
}

@Test func malformedShardsAreRefused() {
    #expect(throws: Shard.ParseError.malformed("x")) { try Shard(parsing: "x") }
    #expect(throws: Shard.ParseError.outOfRange("0/3")) { try Shard(parsing: "0/3") }
    #expect(throws: Shard.ParseError.outOfRange("4/3")) { try Shard(parsing: "4/3") }
    #expect(throws: Shard.ParseError.outOfRange("1/0")) { try Shard(parsing: "1/0") }
}
