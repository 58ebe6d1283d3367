import SharemarkArchive
import Synchronization

/// Checks every page with a share footer against its QR asset, and the PNGs against the pages:
/// from the index's pages and PNGs (no page is parsed again, no folder scanned), reading each
/// referenced PNG, on `jobs` threads.
public struct Verifier: Sendable {
    public var archive: String
    public var jobs: Int
    /// The archive's image link form (`ArchiveConfig.imageLinkForm`): footers of the other form
    /// are reported; nil (undecided) reports neither.
    public var imageLinkForm: ImageLinkForm?
    /// The most bytes read of a PNG.
    public var limits: ReadLimits

    public init(archive: String, imageLinkForm: ImageLinkForm?, limits: ReadLimits = .standard, jobs: Int = availableProcessors) {
        self.archive = archive
        self.imageLinkForm = imageLinkForm
        self.limits = limits
        self.jobs = max(1, jobs)
    }

    /// Verifies every page of `index` a batch at a time: memory for one batch of pages, the
    /// findings and the PNG paths, not for the whole archive. `problems` are those of the index
    /// update (`UpdateSummary.problems`): a page's own come with its article, the rest (files
    /// the scan could not list or read) are reported unless a page references the file.
    /// `progress` is called with (pages done, pages in all) from worker threads.
    public func verify(index: ArchiveIndex, problems: [Problem] = [], shard: Shard = .whole, batchSize: Int = 2048,
                       progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Report {
        // One read transaction: the history, the PNGs and the progress total are of the pages'
        // own state of the index, even while another process updates it.
        var run = try index.pass(size: batchSize, start: { overview in
            Run(verifier: self, history: ImageLinkHistory(cdn: overview.imageLinkForms.cdn, blob: overview.imageLinkForms.blob,
                                                          house: imageLinkForm),
                assets: overview.assets, problems: problems, shard: shard, pages: overview.pages, progress: progress)
        }, batch: { run, articles in run.check(articles) })
        return run.report()
    }

    /// `verify(index:…)` over articles already in memory, as one batch.
    public func verify(articles: [Article], assets: [AssetFile], problems: [Problem] = [],
                       shard: Shard = .whole, progress: (@Sendable (Int, Int) -> Void)? = nil) -> Report {
        var run = Run(verifier: self, history: ImageLinkHistory(articles: articles, house: imageLinkForm),
                      assets: assets, problems: problems, shard: shard, pages: articles.count, progress: progress)
        run.check(articles)
        return run.report()
    }

    /// One verification under way: what is kept between batches.
    struct Run {
        let verifier: Verifier
        let history: ImageLinkHistory
        let shard: Shard
        let pages: Int
        let progress: (@Sendable (Int, Int) -> Void)?
        let start = ContinuousClock.now
        /// The PNGs of the shard no page seen so far references: what is left are the orphans.
        var orphans: OrphanAssets.Tracker
        /// The update's problems whose file no page seen so far is or references.
        var unclaimed: [String: [Problem]]
        var findings: [Finding] = []
        var pagesSeen = 0
        var pagesChecked = 0
        var checkedPages: [String] = []

        init(verifier: Verifier, history: ImageLinkHistory, assets: [AssetFile], problems: [Problem], shard: Shard,
             pages: Int, progress: (@Sendable (Int, Int) -> Void)?) {
            self.verifier = verifier
            self.history = history
            self.shard = shard
            self.pages = pages
            self.progress = progress
            orphans = OrphanAssets.Tracker(assets: assets, shard: shard)
            unclaimed = Dictionary(grouping: problems.filter { shard.contains(path: $0.file) }, by: \.file)
        }

        mutating func check(_ batch: [Article]) {
            for article in batch {
                orphans.see(article)
                // A page's own problems come with its article, and a referenced PNG that the
                // scan could not take is reported with its page.
                if let named = article.imageLinkTarget { unclaimed[named.value] = nil }
                unclaimed[article.address.asset.value] = nil
                unclaimed[article.pagePath.value] = nil
            }
            let pages = batch.filter { shard.contains(path: $0.pagePath.value) }
            let root = verifier.archive, pngLimit = verifier.limits.pngBytes
            // An archive that moved from one image link form to the other keeps a large share of
            // pages in each: history, one note, not a warning on every page of the older form.
            let form = history.isHistory ? nil : verifier.imageLinkForm
            let seen = pagesSeen, total = self.pages, progress = self.progress
            let done = Atomic<Int>(0)
            let perPage: [[Finding]] = parallelMap(count: pages.count, jobs: verifier.jobs, chunk: 16) { i in
                let findings = Verifier.check(pages[i], archive: root, imageLinkForm: form, pngLimit: pngLimit)
                if let progress {
                    let n = done.add(1, ordering: .relaxed).newValue
                    if n % 64 == 0 || n == pages.count { progress(seen + n, total) }
                }
                return findings
            }
            for list in perPage { findings += list }
            pagesSeen += batch.count
            pagesChecked += pages.count
            for page in pages where page.hasFooter { checkedPages.append(page.pagePath.value) }
        }

        /// The report; the findings are moved into it (not copied: there can be one a page).
        mutating func report() -> Report {
            var findings = self.findings
            self.findings = []
            findings += unclaimed.values.joined().compactMap { Finding($0) }
            for path in orphans.unreferenced {
                findings.append(Finding(kind: .orphanAsset, file: path, line: nil, message: "no page references this PNG"))
            }
            var report = Report(archive: verifier.archive, shard: shard, findings: findings)
            if history.isHistory { report.notes.append(history.note(archive: verifier.archive)) }
            report.pagesChecked = pagesChecked
            report.pagesWithFooter = checkedPages.count
            report.assetsChecked = orphans.unreferenced.count + checkedPages.count
            report.checkedPages = checkedPages
            report.seconds = (ContinuousClock.now - start).seconds
            return report
        }
    }

    /// The findings of one page.
    static func check(_ article: Article, archive: String, imageLinkForm: ImageLinkForm?,
                      pngLimit: Int = ReadLimits.standard.pngBytes) -> [Finding] {
        var findings = article.problems.compactMap { Finding($0) }
        guard article.hasFooter else {
            // A cut-off footer or an unreadable page is reported as such, not as a missing footer.
            let reported: Set<Problem.Kind> = [.footerIncomplete, .pageUnreadable, .fileTooLarge]
            if !article.problems.contains(where: { reported.contains($0.kind) }) {
                findings.append(Finding(kind: .footerMissing, file: article.pagePath.value, line: nil,
                                        message: "the page has no share footer"))
            }
            return findings
        }
        let file = article.pagePath.value
        let mirrorLine = article.mirrorURLLine ?? article.linkLine
        let imageLine = article.qrImageLine ?? article.linkLine

        if let printed = article.mirrorURL, let linked = article.linkedMirrorURL, printed != linked {
            findings.append(Finding(kind: .mirrorURLMismatch, file: file, line: mirrorLine,
                                    message: "the printed mirror URL \(printed) differs from the linked one \(linked)"))
        }
        if let other = article.otherArchive {
            findings.append(Finding(kind: .otherArchiveURL, file: file, line: mirrorLine,
                                    message: "the footer names another archive, \(other): a page copied from a sibling archive"
                                        + (article.canonicalMirrorURL.map { "; this archive's URL: \($0)" } ?? "")))
        } else if article.aliasUsed {
            findings.append(Finding(kind: .aliasMirrorURL, file: file, line: mirrorLine,
                                    message: "the mirror URL \(article.mirrorURL ?? article.linkedMirrorURL ?? "") uses an old repository name"
                                        + (article.canonicalMirrorURL.map { "; canonical: \($0)" } ?? "")))
        }
        if let form = article.imageLinkForm, let house = imageLinkForm, form != house {
            findings.append(Finding(kind: .imageURLOtherForm, file: file, line: imageLine,
                                    message: "the QR image URL is of the \(form) form; this archive links QR images in the \(house) form"
                                        + (article.canonicalQRImageURL.map { ": \($0)" } ?? "")))
        }
        if article.assetOutsideArchive {
            findings.append(Finding(kind: .assetOutsideArchive, file: file, line: imageLine,
                                    message: "the QR image URL \(article.qrImageURL ?? "") names a file outside the archive"))
        } else if article.imageLinkForm == nil {
            findings.append(Finding(kind: .qrImageURLUnrecognised, file: file, line: imageLine,
                                    message: "the QR image URL \(article.qrImageURL ?? "") names no file of the archive"))
        }
        // The page's own PNG is checked, whatever the image link names.
        let asset = article.address.asset
        guard let payload = article.mirrorURL ?? article.linkedMirrorURL else { return findings }
        let name = asset.value
        switch AssetCheck.check(archive: archive, asset: asset, payload: payload, limit: pngLimit) {
        case .matches:
            break
        case .missing:
            findings.append(Finding(kind: .assetMissing, file: file, line: imageLine,
                                    message: "the QR image \(name) does not exist"))
        case .notAFile(let why):
            findings.append(Finding(kind: .assetNotPNG, file: file, line: imageLine,
                                    message: "the QR image \(why); remove it, then run sharemark regen"))
        case .notPNG(let why), .unreadable(let why):
            findings.append(Finding(kind: .assetNotPNG, file: file, line: imageLine,
                                    message: "the QR image \(name) is not a readable PNG: \(why)"))
        case .noQRCode:
            findings.append(Finding(kind: .qrNotFound, file: file, line: imageLine,
                                    message: "the QR image \(name) holds no QR code a decoder can read",
                                    decidedBy: .zbar))
        case .differs(let decoded, let decoder):
            let what = decoded.map { "encodes \($0)" } ?? "encodes another payload"
            findings.append(Finding(kind: .payloadMismatch, file: file, line: imageLine,
                                    message: "the QR image \(name) \(what), not the footer's mirror URL \(payload)",
                                    decidedBy: decoder))
        }
        return findings
    }
}

/// How many footers link their QR image in each form. When the less used form still holds a
/// large share (over `historyShare`), the archive moved from one to the other over the years:
/// that is its history, reported once with the command that would unify it.
public struct ImageLinkHistory: Hashable, Sendable {
    public var cdn = 0
    public var blob = 0
    /// The archive's form (`image_url`, or the majority), for the command.
    public var house: ImageLinkForm?
    public static let historyShare = 0.10

    public init(cdn: Int, blob: Int, house: ImageLinkForm?) {
        self.cdn = cdn
        self.blob = blob
        self.house = house
    }

    public init(articles: [Article], house: ImageLinkForm?) {
        for article in articles {
            switch article.imageLinkForm {
            case .cdn?: cdn += 1
            case .blob?: blob += 1
            case nil: break
            }
        }
        self.house = house
    }

    public var isHistory: Bool {
        let total = cdn + blob
        return total > 0 && Double(min(cdn, blob)) > Self.historyShare * Double(total)
    }

    /// The report's line: the counts and the command that would move every footer to one form.
    public func note(archive: String) -> String {
        let target = house ?? (cdn >= blob ? .cdn : .blob)
        return "image links: \(cdn) footers use the CDN form, \(blob) the blob form (both over "
            + "\(Int(Self.historyShare * 100))%: the archive's history, not reported per page); "
            + "to unify them: sharemark fix --image-url \(target.rawValue) \(shellQuoted(archive))"
    }
}
