/// 64-bit FNV-1a: a hash that is the same on every run and platform, unlike Swift's seeded
/// `Hasher`. Shards (`--shard I/N`) and the service's entity tags are built on it, so its
/// values are pinned by tests.
public enum FNV1a {
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
