import SharemarkArchive
import Synchronization

/// Checks every page with a share footer against its QR asset, and the PNGs against the pages:
/// from the index's pages and PNGs (no page is parsed again, no folder scanned), reading each
/// referenced PNG, on `jobs` threads.
public struct Verifier: Sendable {
    public var archive: String
    public var jobs: Int

    public init(archive: String, jobs: Int = availableProcessors) {
        self.archive = archive
        self.jobs = max(1, jobs)
    }

    /// `scanProblems` are the problems of the index update's scan (files it could not list or
    /// read); the problems found in each page come with its article. `progress` is called with
    /// (pages done, pages in all) from worker threads.
    public func verify(articles: [Article], assets: [AssetFile], scanProblems: [Problem] = [],
                       shard: Shard = .whole, progress: (@Sendable (Int, Int) -> Void)? = nil) -> Report {
        let start = ContinuousClock.now
        let pages = articles.filter { shard.contains(path: $0.pagePath.value) }
        let root = archive
        let done = Atomic<Int>(0)
        let perPage: [[Finding]] = parallelMap(count: pages.count, jobs: jobs, chunk: 16) { i in
            let findings = Verifier.check(pages[i], archive: root)
            if let progress {
                let n = done.add(1, ordering: .relaxed).newValue
                if n % 64 == 0 || n == pages.count { progress(n, pages.count) }
            }
            return findings
        }
        var findings = perPage.flatMap { $0 }

        var referenced = Set<String>()
        for article in articles {
            if let asset = article.qrAsset { referenced.insert(asset.value) }
            referenced.insert(article.pagePath.value + ".png")
        }
        // A referenced PNG that the scan could not take is reported with its page, below.
        findings += scanProblems.filter { shard.contains(path: $0.file) && !referenced.contains($0.file) }
            .compactMap { Finding($0) }

        // Orphans: PNGs no page references and not named after a page (as ArchiveIndex.orphanAssets).
        var orphans = 0
        for asset in assets where !referenced.contains(asset.path.value) {
            let path = asset.path.value
            let owner = path.hasSuffix(".png") ? String(path.dropLast(4)) : path
            guard shard.contains(path: owner) else { continue }
            orphans += 1
            findings.append(Finding(kind: .orphanAsset, file: path, line: nil,
                                    message: "no page references this PNG"))
        }
        var report = Report(archive: archive, shard: shard, findings: findings)
        report.pagesChecked = pages.count
        report.pagesWithFooter = pages.count { $0.hasFooter }
        report.assetsChecked = orphans + pages.count { $0.hasFooter && $0.qrAsset != nil }
        report.checkedPages = pages.filter(\.hasFooter).map(\.pagePath.value)
        report.seconds = (ContinuousClock.now - start).seconds
        return report
    }

    /// The findings of one page.
    static func check(_ article: Article, archive: String) -> [Finding] {
        var findings = article.problems.compactMap { Finding($0) }
        guard article.hasFooter else { return findings }
        let file = article.pagePath.value
        let mirrorLine = article.mirrorURLLine ?? article.linkLine
        let imageLine = article.qrImageLine ?? article.linkLine

        if let printed = article.mirrorURL, let linked = article.linkedMirrorURL, printed != linked {
            findings.append(Finding(kind: .mirrorURLMismatch, file: file, line: mirrorLine,
                                    message: "the printed mirror URL \(printed) differs from the linked one \(linked)"))
        }
        if article.aliasUsed {
            findings.append(Finding(kind: .aliasMirrorURL, file: file, line: mirrorLine,
                                    message: "the mirror URL \(article.mirrorURL ?? article.linkedMirrorURL ?? "") uses an old repository name; canonical: \(article.canonicalMirrorURL)"))
        }
        if article.legacyImageURL {
            findings.append(Finding(kind: .legacyImageURL, file: file, line: imageLine,
                                    message: "the QR image URL uses the legacy /blob/ form; it should be \(article.cdnQRImageURL ?? "the CDN form")"))
        }
        guard let asset = article.qrAsset else {
            if article.assetOutsideArchive {
                findings.append(Finding(kind: .assetOutsideArchive, file: file, line: imageLine,
                                        message: "the QR image URL \(article.qrImageURL ?? "") names a file outside the archive"))
            } else {
                findings.append(Finding(kind: .qrImageURLUnrecognised, file: file, line: imageLine,
                                        message: "the QR image URL \(article.qrImageURL ?? "") names no file of the archive"))
            }
            return findings
        }
        guard let payload = article.mirrorURL ?? article.linkedMirrorURL else { return findings }
        let name = asset.value
        switch AssetCheck.check(file: archive + "/" + name, payload: payload) {
        case .matches:
            break
        case .missing:
            findings.append(Finding(kind: .assetMissing, file: file, line: imageLine,
                                    message: "the QR image \(name) does not exist"))
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
