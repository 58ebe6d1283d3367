import SharemarkArchive

/// `sharemark fix`: what it will change (footers, then the PNGs they need, then with
/// `removeOrphans` the PNGs no page references), made from the index before anything is
/// written, and the run that carries it out.
public struct FixPlan: Sendable {
    public var footers: FooterRepairPlan
    /// The PNGs to write once the footers are repaired, as `regen --stale` would.
    public var regeneration: RegenerationPlan
    public var orphans: [AssetFile]
    public var shard: Shard
    /// Old names of the archive's own repository that the repaired footers move away from
    /// (same owner, the URL naming the page's own path): `fix` records those that
    /// `sharemark.toml` does not list yet as `aliases`, so links and QR codes already shared
    /// under them keep resolving once no footer shows them. Another owner's repository is
    /// never one.
    public var oldRepositoryNames: [String] = []

    /// Plans from the index (brought up to date by the caller) and its configuration.
    public static func make(index: ArchiveIndex, imageLinkForm: ImageLinkForm? = nil, removeOrphans: Bool = false,
                            shard: Shard = .whole, jobs: Int = availableProcessors) throws -> FixPlan {
        let config = index.config
        let archive = index.archive
        let articles = try index.allArticles()
        let assets = try index.allAssets()
        let footers = FooterRepairPlan.make(articles: articles, config: config, imageLinkForm: imageLinkForm,
                                            shard: shard, jobs: jobs) { page in
            if case .success(let bytes) = ConfinedPath.read(archive: archive, relative: page.value, limit: config.limits.pageBytes) {
                return bytes
            }
            return nil
        }
        let repaired = footers.repairedArticles(articles)
        let regeneration = RegenerationPlan.make(articles: repaired, assets: assets, archive: archive, mode: .stale,
                                                 shard: shard, pngLimit: config.limits.pngBytes, jobs: jobs)
        let orphans = removeOrphans ? OrphanAssets.find(articles: repaired, assets: assets, shard: shard) : []
        var plan = FixPlan(footers: footers, regeneration: regeneration, orphans: orphans, shard: shard)
        plan.oldRepositoryNames = oldNames(of: footers.repairs, articles: articles, config: config)
        return plan
    }

    /// The repository names under which the repaired pages' footers named them, other than the
    /// current one and the recorded aliases: same owner, each URL reaching the page itself (or
    /// its PNG).
    static func oldNames(of repairs: [PageRepair], articles: [Article], config: ArchiveConfig) -> [String] {
        let repaired = Set(repairs.map(\.page))
        var names = Set<String>()
        for article in articles where repaired.contains(article.pagePath) {
            let address = article.address
            var references = [article.mirrorURL, article.linkedMirrorURL].compactMap { $0 }
                .compactMap { address.pageReference(of: $0, form: config.mirrorForm) }
            if let image = article.qrImageURL {
                references += [config.cdnForm, config.mirrorForm].compactMap { address.assetReference(of: image, form: $0) }
            }
            for case .exact(let parts) in references
            where parts.owner.lowercased() == config.owner.lowercased() && parts.repository != config.repository {
                names.insert(parts.repository)
            }
        }
        return names.sorted()
    }

    /// Records `oldRepositoryNames` that `sharemark.toml` does not list yet under `aliases`
    /// (the file is made when there is none; every other byte of it is kept), then brings the
    /// index's configuration up to date. Call it before the footers are rewritten, so that no
    /// name is lost if the run stops half-way. Returns the aliases now recorded, nil when
    /// nothing was to record. Throws `ConfigFile.Error` or `AtomicFile.WriteError`; the file
    /// then stays as it was.
    public func recordOldNames(index: ArchiveIndex) throws -> [String]? {
        let recorded = try ArchiveConfig.recordedAliases(archive: index.archive)
        let new = oldRepositoryNames.filter { !recorded.contains($0) }
        guard !new.isEmpty else { return nil }
        var config = index.config
        config.aliases = recorded + new
        _ = try ConfigEdit.apply([("aliases", ConfigEdit.stringArray(config.aliases))], archive: index.archive,
                                 created: { config.render() })
        try index.update()
        return config.aliases
    }

    /// Whether the run would change anything.
    public var changesSomething: Bool {
        !footers.repairs.isEmpty || !regeneration.items.isEmpty || !orphans.isEmpty
    }

    /// One entry per file that would change: each page (its footer, its PNG, or both), and
    /// each orphan PNG; ordered by path.
    public var entries: [Entry] {
        var byPage: [String: Entry] = [:]
        for repair in footers.repairs {
            byPage[repair.page.value] = Entry(
                page: repair.page.value, line: repair.line, kinds: unique(repair.changes.map(\.kind.rawValue)),
                changes: unique(repair.changes.map(\.message)))
        }
        for item in regeneration.items {
            var entry = byPage[item.page.value] ?? Entry(page: item.page.value, line: item.line, kinds: [], changes: [])
            entry.kinds = unique(entry.kinds + [item.reason.findingKind.rawValue])
            entry.changes.append("QR image \(item.asset.value) is written (\(item.reason))")
            byPage[item.page.value] = entry
        }
        for orphan in orphans {
            byPage[orphan.path.value] = Entry(page: orphan.path.value, line: nil, kinds: [Finding.Kind.orphanAsset.rawValue],
                                              changes: ["no page references this PNG: it is removed"])
        }
        return byPage.values.sorted { $0.page < $1.page }
    }

    private func unique(_ list: [String]) -> [String] {
        var seen = Set<String>()
        return list.filter { seen.insert($0).inserted }
    }

    public struct Entry: Hashable, Sendable, Codable {
        /// Archive-relative path of the page (or of an orphan PNG).
        public var page: String
        public var line: Int?
        /// The finding kinds repaired.
        public var kinds: [String]
        public var changes: [String]

        public var text: String {
            (line.map { "\(page):\($0)" } ?? page) + ": " + changes.joined(separator: "; ")
        }
    }
}

extension RegenerationPlan.Reason {
    /// The finding a rewrite repairs.
    var findingKind: Finding.Kind {
        switch self {
        case .missing: return .assetMissing
        case .stale, .forced: return .payloadMismatch
        }
    }
}

/// What a fix did.
public struct FixSummary: Sendable, Codable {
    public var pagesRewritten: [String]
    public var regeneration: RegenerationSummary
    public var orphansRemoved: [String]
    /// Footers left alone because they cannot be read unambiguously.
    public var refused: [RefusedRepair]
    /// Pages or PNGs that could not be written or removed.
    public var failures: [RefusedRepair]

    /// Whether everything planned was done and no footer was refused.
    public var succeeded: Bool { refused.isEmpty && failures.isEmpty && regeneration.succeeded }

    public var text: String {
        var lines = ["pages rewritten: \(pagesRewritten.count)"]
        let reasons = regeneration.writtenByReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        lines.append("QR images written: \(regeneration.written)" + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))"))
        if !orphansRemoved.isEmpty { lines.append("orphan PNGs removed: \(orphansRemoved.count)") }
        for r in refused { lines.append("left alone: \(r.page)\(r.line.map { ":\($0)" } ?? ""): \(r.reason)") }
        for f in failures { lines.append("failed: \(f.page): \(f.reason)") }
        for f in regeneration.failures { lines.append("failed: \(f.page): \(f.asset.map { "\($0): " } ?? "")\(f.reason)") }
        return lines.joined(separator: "\n")
    }
}

/// Carries out a `FixPlan`: writes the repaired pages, brings the index up to date, writes the
/// PNGs the pages now need (planned again from the index, so from what is on disk), and
/// removes the planned orphans. Call it holding the `RegenLock`.
public struct Fixer: Sendable {
    public var archive: String
    public var jobs: Int

    public init(archive: String, jobs: Int = availableProcessors) {
        self.archive = archive
        self.jobs = max(1, jobs)
    }

    public func run(_ plan: FixPlan, index: ArchiveIndex,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> FixSummary {
        let pages = PageWriter(archive: archive, jobs: jobs).write(plan.footers.repairs)
        // The plan's PNGs were planned for the footers as repaired. With no footer written they
        // stand as planned; otherwise they are planned again from the pages as now written (a
        // page whose write failed keeps its old footer, whose URL its PNG must then encode),
        // taking every PNG the first plan checked against the same URL as it found it: no PNG
        // is decoded twice, and no page is read again but those rewritten.
        var regeneration = plan.regeneration
        if !pages.written.isEmpty || !pages.failures.isEmpty {
            try index.update()
            regeneration = RegenerationPlan.make(articles: try index.allArticles(), assets: try index.allAssets(), archive: archive,
                                                 mode: .stale, shard: plan.shard, pngLimit: index.config.limits.pngBytes, jobs: jobs,
                                                 checked: plan.regeneration.checked)
        }
        let written = Regenerator(archive: archive, options: index.config.qr, jobs: jobs).run(regeneration, progress: progress)
        let orphans = OrphanAssets.remove(plan.orphans, archive: archive)
        return FixSummary(pagesRewritten: pages.written, regeneration: written, orphansRemoved: orphans.removed,
                          refused: plan.footers.refused, failures: pages.failures + orphans.failures)
    }
}
