#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SharemarkArchive

/// Writes repaired pages: each atomically (a temporary file in the same folder, renamed over
/// the page, with the page's permissions), only when the page still holds the bytes the repair
/// was planned from, and the batch made durable once at the end.
public struct PageWriter: Sendable {
    public var archive: String
    public var jobs: Int

    public init(archive: String, jobs: Int = availableProcessors) {
        self.archive = archive
        self.jobs = max(1, jobs)
    }

    public struct Outcome: Sendable, Codable, Hashable {
        public var written: [String] = []
        public var failures: [RefusedRepair] = []
    }

    public func write(_ repairs: [PageRepair]) -> Outcome {
        let root = archive
        let results: [String?] = parallelMap(count: repairs.count, jobs: jobs, chunk: 8) { i -> String? in
            let repair = repairs[i]
            // The page's folder is opened beneath the root, no link followed; the page is
            // read through it, and replaced only while it holds the bytes the repair was made from.
            let folder = AtomicFile.Folder(archive: root, relative: repair.page.folder)
            let current: (bytes: [UInt8], mode: mode_t)
            switch folder.read(name: repair.page.name, limit: repair.before.count) {
            case .success(let read): current = read
            case .failure(.tooLarge): return "the page changed since it was read; run sharemark fix again"
            case .failure(let why): return "the page cannot be read: \(why)"
            }
            // The page may have been edited since it was read: never overwrite such an edit.
            guard current.bytes == repair.before else {
                return "the page changed since it was read; run sharemark fix again"
            }
            do {
                try folder.write(repair.after, name: repair.page.name, mode: current.mode)
                return nil
            } catch {
                return "\(error)"
            }
        }
        var outcome = Outcome()
        var folders = Set<String>()
        for (repair, failure) in zip(repairs, results) {
            if let failure {
                outcome.failures.append(RefusedRepair(page: repair.page.value, line: repair.line, reason: failure))
            } else {
                outcome.written.append(repair.page.value)
                folders.insert(root + "/" + repair.page.folder)
            }
        }
        AtomicFile.syncDirectories(folders)
        return outcome
    }
}

/// PNGs under the pages folder that no page references and that are not named after a page.
public enum OrphanAssets {
    public static func find(articles: [Article], assets: [AssetFile], shard: Shard = .whole) -> [AssetFile] {
        var tracker = Tracker(assets: assets, shard: shard)
        for article in articles { tracker.see(article) }
        return assets.filter { tracker.unreferenced.contains($0.path.value) }
    }

    /// The PNGs of a shard that no page seen so far references, pages seen one at a time (as
    /// `verify` reads them, a batch at a time): what is left once every page was seen are the orphans.
    public struct Tracker {
        public private(set) var unreferenced: Set<String>

        public init(assets: [AssetFile], shard: Shard) {
            unreferenced = Set(assets.lazy.map(\.path.value).filter { path in
                shard.contains(path: path.hasSuffix(".png") ? String(path.dropLast(4)) : path)
            })
        }

        public mutating func see(_ article: Article) {
            // A file a footer names is never removed, even when it is not that page's asset.
            if let named = article.imageLinkTarget { unreferenced.remove(named.value) }
            unreferenced.remove(article.address.asset.value)
        }
    }

    /// Deletes the orphans; returns the paths removed and the failures.
    public static func remove(_ orphans: [AssetFile], archive: String) -> (removed: [String], failures: [RefusedRepair]) {
        var removed: [String] = [], failures: [RefusedRepair] = []
        var folders = Set<String>()
        for asset in orphans {
            // Beneath the root, no link followed, and only a regular file.
            if let why = AtomicFile.Folder(archive: archive, relative: asset.path.folder).remove(name: asset.path.name) {
                failures.append(RefusedRepair(page: asset.path.value, line: nil, reason: "cannot remove: \(why)"))
            } else {
                removed.append(asset.path.value)
                folders.insert(archive + "/" + asset.path.folder)
            }
        }
        AtomicFile.syncDirectories(folders)
        return (removed, failures)
    }
}
