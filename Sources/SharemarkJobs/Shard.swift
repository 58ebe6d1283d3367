import SharemarkArchive

/// One of N stable parts of an archive, so that a CI matrix of N jobs splits the work with no
/// overlap and no gap. A page belongs to shard `fnv1a(path) % count`: the hash of its
/// archive-relative path, so the assignment does not move when other pages come or go.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// Zero-based index of this shard.
    public let index: Int
    public let count: Int

    public static let whole = Shard(uncheckedIndex: 0, count: 1)

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case malformed(String)
        case outOfRange(String)
        public var description: String {
            switch self {
            case .malformed(let s): return "shard '\(s)' is not of the form I/N (for example 1/4)"
            case .outOfRange(let s): return "shard '\(s)': I must be between 1 and N, and N at least 1"
            }
        }
    }

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    /// Parses the command-line form `I/N`, with I counted from 1 as CI matrices usually are.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { throw .malformed(text) }
        guard n >= 1, (1...n).contains(i) else { throw .outOfRange(text) }
        self.init(uncheckedIndex: i - 1, count: n)
    }

    public func contains(path: String) -> Bool {
        count == 1 || Int(Shard.fnv1a(path) % UInt64(count)) == index
    }

    public var description: String { "\(index + 1)/\(count)" }

    /// The hash a page's shard is taken from (FNV-1a of the path's UTF-8).
    static func fnv1a(_ text: String) -> UInt64 { FNV1a.hash(text.utf8) }
}
