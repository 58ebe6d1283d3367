import Foundation
import SharemarkArchive
import SharemarkQR
import Synchronization

/// Executes a `RegenerationPlan`: renders each payload and writes its PNG atomically (a
/// temporary name in the same folder, renamed into place), on `jobs` threads, then makes the
/// renames durable with one fsync per folder.
public struct Regenerator: Sendable {
    public var archive: String
    public var options: QROptions
    public var jobs: Int

    public init(archive: String, options: QROptions, jobs: Int = availableProcessors) {
        self.archive = archive
        self.options = options
        self.jobs = max(1, jobs)
    }

    /// Writes every item of `plan`. `progress` is called with (done, total) from worker
    /// threads, at most every few items.
    public func run(_ plan: RegenerationPlan,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) -> RegenerationSummary {
        let start = ContinuousClock.now
        let items = plan.items
        let root = archive
        let options = self.options
        let done = Atomic<Int>(0)
        let total = items.count
        // The disk writes back while images are still being made (a large batch only).
        let flushing = items.count >= 512 ? PeriodicSync(folder: root) : nil
        // Each thread keeps the folder it last wrote into open: items come in path order, so
        // a thread writes a run of files into one folder before it moves to the next.
        let outcomes: [String?] = parallelMap(count: items.count, jobs: jobs, chunk: 16,
                                              state: { nil as (folder: String, handle: AtomicFile.Folder)? }) { current, i in
            let item = items[i]
            defer {
                let n = done.add(1, ordering: .relaxed).newValue
                if let progress, n % 64 == 0 || n == total { progress(n, total) }
            }
            do {
                let png = try options.png(for: item.payload)
                let folder = item.asset.folder
                if current?.folder != folder {
                    // Opened beneath the root, no link followed: a linked folder is an error.
                    current = (folder, AtomicFile.Folder(archive: root, relative: folder))
                }
                try current!.handle.write(png, name: item.asset.name)
                return nil
            } catch {
                return "\(error)"
            }
        }
        flushing?.stop()
        var summary = RegenerationSummary(plan: plan)
        var folders = Set<String>()
        for (item, outcome) in zip(items, outcomes) {
            if let outcome {
                summary.failures.append(.init(page: item.page.value, asset: item.asset.value, reason: outcome))
            } else {
                summary.written += 1
                summary.writtenByReason[item.reason.name, default: 0] += 1
                folders.insert(root + "/" + item.asset.folder)
            }
        }
        AtomicFile.syncDirectories(folders)
        summary.seconds = (ContinuousClock.now - start).seconds
        return summary
    }

    /// Removes temporary files left by killed runs from the folders that hold the given
    /// pages; returns their archive-relative paths. Call it while holding the `RegenLock`.
    @discardableResult
    public static func removeLeftovers(archive: String, pages: [ArchivePath]) -> [String] {
        removeLeftovers(archive: archive, folders: Set(pages.map(\.folder)))
    }

    /// `removeLeftovers(archive:pages:)` given the pages' folders.
    public static func removeLeftovers(archive: String, folders: Set<String>) -> [String] {
        var removed: [String] = []
        for folder in folders.sorted() {
            // Opened beneath the root without following links, like every folder written to.
            let handle = AtomicFile.Folder(archive: archive, relative: folder)
            guard let names = handle.names() else { continue }
            for name in names where AtomicFile.isTemporary(name) {
                if handle.remove(name: name) == nil { removed.append(folder.isEmpty ? name : folder + "/" + name) }
            }
        }
        return removed.sorted()
    }
}

extension RegenerationPlan.Reason {
    /// `missing`, `stale` or `forced`.
    public var name: String {
        switch self {
        case .missing: return "missing"
        case .stale: return "stale"
        case .forced: return "forced"
        }
    }
}

/// What a regeneration did: counts, and every failure with its page and reason.
public struct RegenerationSummary: Hashable, Sendable, Codable {
    public var mode: RegenerationMode
    public var shard: String
    public var planned: Int
    public var written: Int
    /// Written, by reason (`missing`, `stale`, `forced`).
    public var writtenByReason: [String: Int]
    public var alreadyCorrect: Int
    public var pagesWithoutFooter: Int
    public var failures: [RegenerationPlan.Failure]
    /// Temporary files of earlier, killed runs that were removed first.
    public var leftoversRemoved: Int
    public var seconds: Double

    public init(plan: RegenerationPlan) {
        mode = plan.mode
        shard = plan.shard.description
        planned = plan.items.count
        written = 0
        writtenByReason = [:]
        alreadyCorrect = plan.alreadyCorrect
        pagesWithoutFooter = plan.pagesWithoutFooter
        failures = plan.unplannable
        leftoversRemoved = 0
        seconds = 0
    }

    public var succeeded: Bool { failures.isEmpty }

    /// A few lines for people.
    public var text: String {
        var lines: [String] = []
        let reasons = writtenByReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        lines.append("written: \(written)" + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))"))
        lines.append("already correct: \(alreadyCorrect)")
        lines.append("pages without footer: \(pagesWithoutFooter)")
        lines.append("failed: \(failures.count)")
        for failure in failures {
            lines.append("  \(failure.page): \(failure.asset.map { "\($0): " } ?? "")\(failure.reason)")
        }
        if leftoversRemoved > 0 { lines.append("temporary files of an interrupted run removed: \(leftoversRemoved)") }
        lines.append(String(format: "time: %.2f s", seconds))
        return lines.joined(separator: "\n")
    }
}
