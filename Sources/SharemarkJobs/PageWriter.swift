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
            let path = root + "/" + repair.page.value
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                return "the page is no longer a regular file"
            }
            // The page may have been edited since it was read: never overwrite such an edit.
            guard let current = FileManager.default.contents(atPath: path), Array(current) == repair.before else {
                return "the page changed since it was read; run sharemark fix again"
            }
            do {
                try AtomicFile.write(repair.after, to: path, mode: info.st_mode & 0o7777)
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
        var referenced = Set<String>()
        for article in articles {
            if let asset = article.qrAsset { referenced.insert(asset.value) }
            referenced.insert(article.pagePath.value + ".png")
        }
        return assets.filter { asset in
            let path = asset.path.value
            guard !referenced.contains(path) else { return false }
            return shard.contains(path: path.hasSuffix(".png") ? String(path.dropLast(4)) : path)
        }
    }

    /// Deletes the orphans; returns the paths removed and the failures.
    public static func remove(_ orphans: [AssetFile], archive: String) -> (removed: [String], failures: [RefusedRepair]) {
        var removed: [String] = [], failures: [RefusedRepair] = []
        var folders = Set<String>()
        for asset in orphans {
            if unlink(archive + "/" + asset.path.value) == 0 || errno == ENOENT {
                removed.append(asset.path.value)
                folders.insert(archive + "/" + asset.path.folder)
            } else {
                failures.append(RefusedRepair(page: asset.path.value, line: nil,
                                              reason: "cannot remove: \(String(cString: strerror(errno)))"))
            }
        }
        AtomicFile.syncDirectories(folders)
        return (removed, failures)
    }
}
