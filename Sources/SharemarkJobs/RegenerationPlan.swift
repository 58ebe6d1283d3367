import SharemarkArchive

/// Which assets `sharemark regen` rewrites.
public enum RegenerationMode: String, Hashable, Sendable, Codable, CaseIterable {
    /// Only assets that do not exist.
    case missing
    /// Also assets that exist but are no readable PNG or do not encode the footer's URL.
    case stale
    /// Every asset.
    case all
}

/// What `sharemark regen` will write and why: made from the index's pages and PNGs, before
/// anything is written (so `--dry-run` shows exactly what a real run does).
public struct RegenerationPlan: Hashable, Sendable {
    public struct Item: Hashable, Sendable {
        /// The PNG to write, relative to the archive root: always the page's own
        /// `<page>.png` (`PageAddress`), never a file a footer names.
        public var asset: ArchivePath
        /// The page whose footer references it.
        public var page: ArchivePath
        /// The footer line of the QR image (for messages).
        public var line: Int?
        /// Exactly the mirror URL printed in the footer.
        public var payload: String
        public var reason: Reason
    }

    public enum Reason: Hashable, Sendable, Codable, CustomStringConvertible {
        case missing
        /// The asset exists but is wrong; the text says how.
        case stale(String)
        case forced

        public var description: String {
            switch self {
            case .missing: return "missing"
            case .stale(let why): return "stale (\(why))"
            case .forced: return "forced"
            }
        }
    }

    public var mode: RegenerationMode
    public var shard: Shard
    public var items: [Item]
    /// Pages in the shard with a footer whose asset is already correct (or, in `missing`
    /// mode, exists).
    public var alreadyCorrect: Int
    public var pagesWithoutFooter: Int
    /// Pages with a footer whose QR code cannot be made from it (no mirror URL, a mirror URL
    /// of another page or one that does not reach the page): they count as failures, and
    /// `sharemark fix` repairs their footers.
    public var unplannable: [Failure]

    /// What each existing PNG checked for this plan was found to be, by the PNG and the payload
    /// it was checked against: a later plan over the same files (`fix` plans again after it
    /// rewrote footers) takes these instead of decoding every PNG a second time.
    public var checked: [CheckedAsset: AssetStatus] = [:]

    public struct CheckedAsset: Hashable, Sendable {
        public var asset: ArchivePath
        public var payload: String

        public init(asset: ArchivePath, payload: String) {
            self.asset = asset; self.payload = payload
        }
    }

    public struct Failure: Hashable, Sendable, Codable {
        public var page: String
        public var asset: String?
        public var reason: String
    }

    /// Builds the plan.
    ///
    /// - Parameters:
    ///   - articles: every page of the index.
    ///   - assets: every PNG of the index (what exists, as of its last update).
    ///   - archive: the archive root, to read existing PNGs in `stale` mode.
    ///   - pngLimit: the most bytes read of an existing PNG.
    ///   - jobs: threads for reading and checking existing PNGs.
    ///   - checked: what an earlier plan found of PNGs that have not changed since (its
    ///     `checked`); a PNG checked against the same payload there is not read again.
    public static func make(articles: [Article], assets: [AssetFile], archive: String,
                            mode: RegenerationMode, shard: Shard = .whole, pngLimit: Int = ReadLimits.standard.pngBytes,
                            jobs: Int = availableProcessors,
                            checked known: [CheckedAsset: AssetStatus] = [:]) -> RegenerationPlan {
        let existing = Set(assets.map(\.path))
        var plan = RegenerationPlan(mode: mode, shard: shard, items: [], alreadyCorrect: 0,
                                    pagesWithoutFooter: 0, unplannable: [])
        var toCheck: [Item] = []
        // Two pages may reference one asset; it is written once, for the first page in order.
        var seen = Set<ArchivePath>()
        for article in articles where shard.contains(path: article.pagePath.value) {
            guard article.hasFooter else { plan.pagesWithoutFooter += 1; continue }
            // The asset is the page's own, whatever its footer's image link names.
            let asset = article.address.asset
            guard let payload = article.mirrorURL ?? article.linkedMirrorURL else {
                plan.unplannable.append(Failure(page: article.pagePath.value, asset: asset.value,
                                                reason: "its footer has no mirror URL"))
                continue
            }
            // The QR code encodes the footer's mirror URL: only when that URL is this page's.
            if let problem = article.problems.first(where: { $0.kind == .footerLinksElsewhere || $0.kind == .linkOpensFolder })
                .map({ $0.kind }) {
                let why = problem == .linkOpensFolder
                    ? "its footer's mirror URL opens the folder, not the page (a raw '?' or '#' in the path); run sharemark fix"
                    : "its footer's mirror URL names another page; run sharemark fix"
                plan.unplannable.append(Failure(page: article.pagePath.value, asset: asset.value, reason: why))
                continue
            }
            guard seen.insert(asset).inserted else { continue }
            var item = Item(asset: asset, page: article.pagePath, line: article.qrImageLine,
                            payload: payload, reason: .missing)
            if !existing.contains(asset) {
                plan.items.append(item)
            } else {
                switch mode {
                case .missing: plan.alreadyCorrect += 1
                case .all: item.reason = .forced; plan.items.append(item)
                case .stale: toCheck.append(item)
                }
            }
        }
        if !toCheck.isEmpty {
            let root = archive
            let keys = toCheck.map { CheckedAsset(asset: $0.asset, payload: $0.payload) }
            let statuses = parallelMap(count: toCheck.count, jobs: jobs) { [toCheck] i in
                known[keys[i]] ?? AssetCheck.check(archive: root, asset: toCheck[i].asset, payload: toCheck[i].payload, limit: pngLimit)
            }
            plan.checked = Dictionary(zip(keys, statuses), uniquingKeysWith: { first, _ in first })
            for (item, status) in zip(toCheck, statuses) {
                var item = item
                switch status {
                case .matches: plan.alreadyCorrect += 1; continue
                case .missing: item.reason = .missing
                case .notAFile(let why):
                    // A link or a folder where the PNG belongs is not replaced: a finding for people.
                    plan.unplannable.append(Failure(page: item.page.value, asset: item.asset.value, reason: why))
                    continue
                case .notPNG(let why): item.reason = .stale("not a readable PNG: \(why)")
                case .unreadable(let why): item.reason = .stale("cannot be read: \(why)")
                case .noQRCode: item.reason = .stale("no QR code found")
                case .differs(let decoded, let decoder):
                    let what = decoded.map { "encodes \($0)" } ?? "encodes another payload"
                    item.reason = .stale("\(what) [\(decoder.rawValue)]")
                }
                plan.items.append(item)
            }
            plan.items.sort { $0.asset < $1.asset }
        }
        return plan
    }
}
