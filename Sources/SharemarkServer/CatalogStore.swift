import Foundation
import Synchronization

/// One opened catalog with the caches that belong to it. Immutable as a reference: a request
/// takes the current snapshot once and uses it to the end, so a reload never changes the index
/// under a request in flight.
public final class CatalogSnapshot: Sendable {
    public let catalog: any ArticleCatalog
    public let generation: Int
    public let articleCount: Int
    private let lookups: Mutex<[String: Lookup]>
    private let maxLookups: Int

    enum Lookup: Sendable {
        case found(CatalogEntry)
        case ambiguous([CatalogEntry])
        case notFound
    }

    init(catalog: any ArticleCatalog, generation: Int, maxLookups: Int = 8192) throws {
        self.catalog = catalog
        self.generation = generation
        self.articleCount = try catalog.articleCount()
        self.lookups = Mutex([:])
        self.maxLookups = maxLookups
    }

    /// `category/id` → article, remembered for the life of this snapshot (the index it reads
    /// does not change; a changed index is a new snapshot).
    func article(category: String, id: String) throws -> CatalogEntry? {
        let key = category + "/" + id
        if let cached = lookups.withLock({ $0[key] }) {
            if case .found(let entry) = cached { return entry }
            return nil
        }
        let entry = try catalog.article(category: category, id: id)
        remember(key, entry.map { .found($0) } ?? .notFound)
        return entry
    }

    func articles(id: String) throws -> Lookup {
        let key = "\u{0}" + id
        if let cached = lookups.withLock({ $0[key] }) { return cached }
        let entries = try catalog.articles(id: id)
        let result: Lookup = switch entries.count {
        case 0: .notFound
        case 1: .found(entries[0])
        default: .ambiguous(entries)
        }
        remember(key, result)
        return result
    }

    private func remember(_ key: String, _ value: Lookup) {
        lookups.withLock { table in
            if table.count >= maxLookups { table.removeAll(keepingCapacity: true) }
            table[key] = value
        }
    }
}

/// Holds the current catalog snapshot and swaps it when the index is rebuilt.
public final class CatalogStore: Sendable {
    /// Opens the index afresh; called at every reload.
    public typealias Opener = @Sendable () throws -> any ArticleCatalog

    private let opener: Opener
    private let current: Mutex<CatalogSnapshot>

    public init(opener: @escaping Opener) throws {
        self.opener = opener
        self.current = Mutex(try CatalogSnapshot(catalog: opener(), generation: 1))
    }

    /// Starts from an already opened catalog; `opener` is used for reloads.
    public init(initial: any ArticleCatalog, opener: @escaping Opener) throws {
        self.opener = opener
        self.current = Mutex(try CatalogSnapshot(catalog: initial, generation: 1))
    }

    public var snapshot: CatalogSnapshot { current.withLock { $0 } }

    /// Opens the index again and makes it current. Requests in flight keep the snapshot they took.
    @discardableResult
    public func reload() throws -> CatalogSnapshot {
        let generation = snapshot.generation + 1
        let fresh = try CatalogSnapshot(catalog: opener(), generation: generation)
        current.withLock { $0 = fresh }
        return fresh
    }
}
