import Synchronization

/// One archive the service serves: its name (`owner/repository`, or its folder's), the store of
/// its catalog (swapped when its index is rebuilt), where its index lies, and why its index
/// cannot be used now, if it cannot: an archive whose index is missing or broken is reported by
/// `/healthz` and keeps serving what it last opened, while the others serve on.
public final class ServedArchive: Sendable {
    public let name: String
    public let store: CatalogStore
    /// The index file watched for rebuilds (nil: not watched).
    public let indexPath: String?
    private let problem = Mutex<String?>(nil)

    public init(name: String, store: CatalogStore, indexPath: String?) {
        self.name = name
        self.store = store
        self.indexPath = indexPath
    }

    /// Why the archive's index cannot be used now (nil when its last reload worked).
    public var failure: String? { problem.withLock { $0 } }

    /// Records why the index cannot be used; true when this is news (not the failure already known).
    @discardableResult
    func failed(_ why: String) -> Bool {
        problem.withLock { current in
            defer { current = why }
            return current != why
        }
    }

    func recovered() { problem.withLock { $0 = nil } }

    /// The archive's repository as `/s/` links name it: `owner/repository` and each old name.
    var shareNames: [String] {
        guard let config = (store.snapshot.catalog as? IndexCatalog)?.index.config, config.knowsRepository else { return [name] }
        return [config.repository] .map { "\(config.owner)/\($0)" } + config.aliases.map { "\(config.owner)/\($0)" }
    }
}
