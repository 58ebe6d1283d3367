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

    /// Builds the plan from pages in memory, as one batch of a `Builder`.
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
        var builder = Builder(assets: assets, archive: archive, mode: mode, shard: shard, pngLimit: pngLimit,
                              jobs: jobs, checked: known)
        builder.add(articles)
        return builder.plan()
    }

    /// Builds a plan from the pages a batch at a time (`ArchiveIndex.pass`):
    /// what is kept is the plan's items, not the pages.
    public struct Builder {
        private var building: RegenerationPlan
        private let existing: Set<ArchivePath>
        private let archive: String
        private let pngLimit: Int
        private let jobs: Int
        private let known: [CheckedAsset: AssetStatus]
        private var toCheck: [Item] = []

        /// The parameters are `make`'s.
        public init(assets: [AssetFile], archive: String, mode: RegenerationMode, shard: Shard = .whole,
                    pngLimit: Int = ReadLimits.standard.pngBytes, jobs: Int = availableProcessors,
                    checked known: [CheckedAsset: AssetStatus] = [:]) {
            building = RegenerationPlan(mode: mode, shard: shard, items: [], alreadyCorrect: 0,
                                    pagesWithoutFooter: 0, unplannable: [])
            existing = Set(assets.map(\.path))
            self.archive = archive
            self.pngLimit = pngLimit
            self.jobs = jobs
            self.known = known
        }

        /// Plans the pages of one batch (of pages in path order).
        public mutating func add(_ articles: [Article]) {
            for article in articles where building.shard.contains(path: article.pagePath.value) {
                guard article.hasFooter else { building.pagesWithoutFooter += 1; continue }
                // The asset is the page's own, whatever its footer's image link names: one page,
                // one asset.
                let asset = article.address.asset
                guard let payload = article.mirrorURL ?? article.linkedMirrorURL else {
                    building.unplannable.append(Failure(page: article.pagePath.value, asset: asset.value,
                                                    reason: "its footer has no mirror URL"))
                    continue
                }
                // The QR code encodes the footer's mirror URL: only when that URL is this page's.
                if let problem = article.problems.first(where: { $0.kind == .footerLinksElsewhere || $0.kind == .linkOpensFolder })
                    .map({ $0.kind }) {
                    let why = problem == .linkOpensFolder
                        ? "its footer's mirror URL opens the folder, not the page (a raw '?' or '#' in the path); run sharemark fix"
                        : "its footer's mirror URL names another page; run sharemark fix"
                    building.unplannable.append(Failure(page: article.pagePath.value, asset: asset.value, reason: why))
                    continue
                }
                var item = Item(asset: asset, page: article.pagePath, line: article.qrImageLine,
                                payload: payload, reason: .missing)
                if !existing.contains(asset) {
                    building.items.append(item)
                } else {
                    switch building.mode {
                    case .missing: building.alreadyCorrect += 1
                    case .all: item.reason = .forced; building.items.append(item)
                    case .stale: toCheck.append(item)
                    }
                }
            }
        }

        /// The plan: the existing PNGs of `stale` mode read and checked, on `jobs` threads.
        public consuming func plan() -> RegenerationPlan {
            guard !toCheck.isEmpty else { return building }
            let root = archive, pngLimit = self.pngLimit, known = self.known
            let toCheck = self.toCheck
            let keys = toCheck.map { CheckedAsset(asset: $0.asset, payload: $0.payload) }
            let statuses = parallelMap(count: toCheck.count, jobs: jobs) { i in
                known[keys[i]] ?? AssetCheck.check(archive: root, asset: toCheck[i].asset, payload: toCheck[i].payload, limit: pngLimit)
            }
            building.checked = Dictionary(zip(keys, statuses), uniquingKeysWith: { first, _ in first })
            for (item, status) in zip(toCheck, statuses) {
                var item = item
                switch status {
                case .matches: building.alreadyCorrect += 1; continue
                case .missing: item.reason = .missing
                case .notAFile(let why):
                    // A link or a folder where the PNG belongs is not replaced: a finding for people.
                    building.unplannable.append(Failure(page: item.page.value, asset: item.asset.value, reason: why))
                    continue
                case .notPNG(let why): item.reason = .stale("not a readable PNG: \(why)")
                case .unreadable(let why): item.reason = .stale("cannot be read: \(why)")
                case .noQRCode: item.reason = .stale("no QR code found")
                case .differs(let decoded, let decoder):
                    let what = decoded.map { "encodes \($0)" } ?? "encodes another payload"
                    item.reason = .stale("\(what) [\(decoder.rawValue)]")
                }
                building.items.append(item)
            }
            building.items.sort { $0.asset < $1.asset }
            return building
        }
    }
}
