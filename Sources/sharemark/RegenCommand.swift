import ArgumentParser
import Foundation
import SharemarkArchive
import SharemarkJobs
import SharemarkQR
#if canImport(Glibc)
import Glibc
#endif

struct RegenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regen",
        abstract: "Write the QR code PNGs the pages' share footers reference.",
        discussion: """
            Each page's PNG is its own <page>.png (never a file its footer's image link names); it encodes exactly the mirror URL \
            printed in the page's footer, drawn with the archive's QR options (default: scale 4, margin 4, level L, as `qrencode -s 4`). \
            Files are written under a temporary name and renamed into place; temporary files of an interrupted run are removed first. \
            One regen runs per archive at a time (lock file .sharemark/regen.lock): a second one fails at once with exit code 75 naming the holder's pid, or waits for it with --wait.

            A page whose footer's mirror URL names another page, or opens its folder (a raw ? or # in the path), is left to \
            `sharemark fix` and counted as failed. A folder that is a symbolic link, or a link where a PNG belongs, is never \
            written through or replaced.

            Exit codes: 0 done, 1 some assets failed, 75 the archive is locked by another regen.
            """)

    @OptionGroup var options: ArchiveOptions
    @OptionGroup var work: WorkOptions
    @OptionGroup var locking: LockOptions

    @Flag(help: "Also rewrite PNGs that are no readable PNG or do not encode the footer's mirror URL.")
    var stale = false

    @Option(help: ArgumentHelp("PNG bytes for this run: compact or qrencode (default: [qr] png_style of sharemark.toml, else compact).",
                               valueName: "style"))
    var pngStyle: QROptions.PNGStyle?

    @Flag(help: "Rewrite every PNG.")
    var all = false

    @Flag(help: "List what would be written and why; write nothing.")
    var dryRun = false

    @Flag(help: "Print the summary (or, with --dry-run, the plan) as JSON.")
    var json = false

    func validate() throws {
        if stale && all { throw ValidationError("--stale and --all exclude each other") }
    }

    func run() throws {
        try reportingErrors { try execute() }
    }

    private func execute() throws {
        do {
            let mode: RegenerationMode = all ? .all : stale ? .stale : .missing
            let shard = try work.selectedShard
            let jobs = work.threads

            let clock = PhaseClock()
            try options.requireArchiveFolder()
            let lock = dryRun ? nil : try locking.lock(options)
            defer { lock?.release() }

            let (index, _) = try options.openUpdatedIndex()
            defer { index.waitForCheckpoint() }
            clock.mark("regen: index up to date")
            // A batch of pages at a time (the plan keeps its items, not every page), in one read
            // transaction with the PNG files it is planned against.
            let (builder, folders) = try index.pass(start: { overview in
                (RegenerationPlan.Builder(assets: overview.assets, archive: options.archive, mode: mode, shard: shard,
                                          pngLimit: index.config.limits.pngBytes, jobs: jobs), Set<String>())
            }, batch: { state, batch in
                for article in batch { state.1.insert(article.pagePath.folder) }
                state.0.add(batch)
            })
            let leftovers = dryRun ? [] : Regenerator.removeLeftovers(archive: options.archive, folders: folders)
            let plan = builder.plan()
            clock.mark("regen: planned \(plan.items.count)")
            if dryRun {
                printPlan(plan)
                return
            }
            let bar = TerminalProgress()
            var progress: (@Sendable (Int, Int) -> Void)? = nil
            if bar.enabled { progress = { @Sendable done, total in bar.bar("writing QR images", done: done, total: total) } }
            var qr = index.config.qr
            if let pngStyle { qr.pngStyle = pngStyle }
            let regenerator = Regenerator(archive: options.archive, options: qr, jobs: jobs)
            var summary = regenerator.run(plan, progress: progress)
            bar.finish()
            clock.mark("regen: written")
            summary.leftoversRemoved = leftovers.count
            if json { try printJSON(summary) } else { print(summary.text) }
            if !summary.succeeded { throw ExitCode(1) }
        }
    }

    private func printPlan(_ plan: RegenerationPlan) {
        if json {
            struct Entry: Encodable { var asset: String; var page: String; var payload: String; var reason: String }
            struct Document: Encodable {
                var mode: String; var shard: String; var wouldWrite: Int; var alreadyCorrect: Int
                var pagesWithoutFooter: Int; var items: [Entry]; var failures: [RegenerationPlan.Failure]
            }
            try? printJSON(Document(
                mode: plan.mode.rawValue, shard: plan.shard.description, wouldWrite: plan.items.count,
                alreadyCorrect: plan.alreadyCorrect, pagesWithoutFooter: plan.pagesWithoutFooter,
                items: plan.items.map { Entry(asset: $0.asset.value, page: $0.page.value, payload: $0.payload,
                                              reason: $0.reason.description) },
                failures: plan.unplannable))
            return
        }
        for item in plan.items { print("\(item.asset.value): \(item.reason) \(item.payload)") }
        for failure in plan.unplannable { print("\(failure.page): cannot write: \(failure.reason)") }
        print("would write \(plan.items.count); already correct \(plan.alreadyCorrect); "
              + "pages without footer \(plan.pagesWithoutFooter); cannot write \(plan.unplannable.count)")
    }
}
