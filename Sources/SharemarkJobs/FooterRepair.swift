import SharemarkArchive

/// What `sharemark fix` changes in one page's share footer: the lines it replaces or inserts,
/// why, and the page's bytes before and after. Every byte outside the changed lines is kept.
public struct PageRepair: Hashable, Sendable {
    public var page: ArchivePath
    /// Why the page changes, each with the footer line concerned and the finding it repairs.
    public var changes: [Change]
    /// Replacements of whole old lines (0-based, half-open ranges of line indices) by new
    /// lines, in order; an empty range inserts.
    public var edits: [Edit]
    public var before: [UInt8]
    public var after: [UInt8]
    /// The footer's URLs after the repair (the PNG must encode `mirrorURL`).
    public var mirrorURL: String
    public var imageURL: String
    /// 1-based line of the QR link after the repair.
    public var linkLine: Int

    public struct Change: Hashable, Sendable, Codable {
        public var line: Int?
        public var kind: Finding.Kind
        public var message: String
    }

    public struct Edit: Hashable, Sendable {
        public var oldLines: Range<Int>
        public var newLines: [String]
    }

    /// The first line concerned, for messages.
    public var line: Int? { changes.compactMap(\.line).min() }
}

/// A footer that `sharemark fix` does not touch because it cannot be read unambiguously.
public struct RefusedRepair: Hashable, Sendable, Codable {
    public var page: String
    public var line: Int?
    public var reason: String
}

/// The footer repairs of an archive: made from the index's articles and the archive's
/// configuration (its repository and house style), reading only the pages that change.
public struct FooterRepairPlan: Sendable {
    public var repairs: [PageRepair]
    public var refused: [RefusedRepair]

    /// Plans the repairs.
    ///
    /// - Parameters:
    ///   - articles: every page of the index.
    ///   - config: the archive's configuration; its repository must be known.
    ///   - imageLinkForm: the image link form to move every footer to (`--image-url`); nil
    ///     takes the archive's (`config.imageLinkForm`).
    ///   - read: reads a page's bytes (archive-relative path), nil when it cannot be read.
    public static func make(articles: [Article], config: ArchiveConfig, imageLinkForm: ImageLinkForm? = nil,
                            shard: Shard = .whole, jobs: Int = availableProcessors,
                            read: @Sendable (ArchivePath) -> [UInt8]?) -> FooterRepairPlan {
        let pages = articles.filter { shard.contains(path: $0.pagePath.value) }
        let planner = Planner(config: config, form: imageLinkForm ?? config.imageLinkForm)
        let outcomes = parallelMap(count: pages.count, jobs: jobs) { i -> Planner.Outcome in
            planner.plan(pages[i], read: read)
        }
        var plan = FooterRepairPlan(repairs: [], refused: [])
        for outcome in outcomes {
            switch outcome {
            case .unchanged: break
            case .repair(let repair): plan.repairs.append(repair)
            case .refused(let refused): plan.refused.append(refused)
            }
        }
        return plan
    }

    /// The articles as they will read after the repairs, so that the PNGs they need can be
    /// planned before any page is written (for `--dry-run` and `--check`).
    public func repairedArticles(_ articles: [Article]) -> [Article] {
        let byPage = Dictionary(uniqueKeysWithValues: repairs.map { ($0.page, $0) })
        return articles.map { article in
            guard let repair = byPage[article.pagePath] else { return article }
            var a = article
            a.hasFooter = true
            a.mirrorURL = repair.mirrorURL
            a.linkedMirrorURL = repair.mirrorURL
            a.qrImageURL = repair.imageURL
            a.qrAsset = try? ArchivePath(article.pagePath.value + ".png")
            a.assetOutsideArchive = false
            a.linkLine = repair.linkLine
            a.qrImageLine = repair.linkLine
            return a
        }
    }
}

/// Plans one page at a time.
private struct Planner: Sendable {
    let config: ArchiveConfig
    /// The form image links take; nil: undecided, each footer keeps its own.
    let form: ImageLinkForm?

    enum Outcome: Sendable { case unchanged, repair(PageRepair), refused(RefusedRepair) }

    func plan(_ article: Article, read: (ArchivePath) -> [UInt8]?) -> Outcome {
        let path = article.pagePath.value
        func refuse(_ line: Int?, _ why: String) -> Outcome { .refused(RefusedRepair(page: path, line: line, reason: why)) }
        let kinds = Set(article.problems.map(\.kind))
        if kinds.contains(.pageUnreadable) || kinds.contains(.fileTooLarge) { return .unchanged }
        guard let mirror = config.mirrorURL(path: path) else { return refuse(nil, ArchiveConfig.unknownRepositoryMessage) }
        if !article.hasFooter {
            if kinds.contains(.footerIncomplete) {
                let line = article.problems.first { $0.kind == .footerIncomplete }?.line
                return refuse(line, "the footer is cut off after its mirror URL; complete or remove it by hand")
            }
            guard let form else { return refuse(nil, Self.undecidedForm) }
            guard let image = config.imageURL(path: path + ".png", form: form) else { return refuse(nil, ArchiveConfig.unknownRepositoryMessage) }
            guard let bytes = read(article.pagePath) else { return refuse(nil, "the page cannot be read") }
            return insertFooter(article, bytes: bytes, mirror: mirror, image: image)
        }
        // What is written now, and what it should be.
        let linked = article.linkedMirrorURL ?? ""
        let written = article.qrImageURL ?? ""
        var changes: [PageRepair.Change] = []
        let printedWrong = article.mirrorURL.map { !isCanonicalMirror($0, path: path) } ?? false
        let linkedWrong = !isCanonicalMirror(linked, path: path)
        let writtenForm = article.imageLinkForm
        let targetForm = form ?? writtenForm
        let imageWrong = writtenForm == nil || writtenForm != targetForm || !isCanonicalImage(written, form: writtenForm!, path: path)
        guard printedWrong || linkedWrong || imageWrong else { return .unchanged }

        // A footer is rewritten only when every part of it reads unambiguously.
        guard let printed = article.mirrorURL, let printedLine = article.mirrorURLLine else {
            return refuse(article.linkLine, "no mirror URL is printed before the QR link")
        }
        guard isHTTP(printed), isHTTP(linked), isHTTP(written) else {
            return refuse(article.linkLine, "a footer URL is not an http(s) URL")
        }
        // A page's URL, its path as the git host reads it or read on through a raw '?' or '#'.
        guard config.mirrorForm.match(printed)?.path.hasSuffix(".md") == true
                || config.mirrorForm.match(printed, wholePath: true)?.path.hasSuffix(".md") == true else {
            return refuse(printedLine, "the URL before the QR link, \(printed), is not a page's mirror URL")
        }
        guard let targetForm, writtenForm != nil else {
            return refuse(article.qrImageLine, "the QR image URL \(written) is of neither the CDN nor the mirror form")
        }
        guard let image = config.imageURL(path: path + ".png", form: targetForm), let linkLine = article.linkLine else {
            return refuse(nil, ArchiveConfig.unknownRepositoryMessage)
        }
        guard let bytes = read(article.pagePath) else { return refuse(nil, "the page cannot be read") }
        let lines = LineTable(bytes)
        guard printedLine <= lines.count, linkLine <= lines.count else { return refuse(linkLine, "the page changed since it was indexed") }

        for (old, n, other) in [(printed, printedLine, linked), (linked, linkLine, printed)] where !isCanonicalMirror(old, path: path) {
            // A URL that differs from a correct one beside it is a mismatch; otherwise it names
            // an old repository name or another page.
            let kind = old != other && isCanonicalMirror(other, path: path) ? .mirrorURLMismatch : mirrorKind(old, path: path)
            changes.append(.init(line: n, kind: kind, message: "mirror URL \(old) becomes \(mirror)"))
        }
        if imageWrong {
            let kind: Finding.Kind
            switch imageReference(written, form: targetForm, path: path) {
            case _ where writtenForm != targetForm: kind = .imageURLOtherForm
            case .exact?: kind = .aliasMirrorURL
            case .opensFolder?: kind = .linkOpensFolder
            case .other?, nil: kind = .footerNamesOtherPage
            }
            changes.append(.init(line: linkLine, kind: kind, message: "QR image URL \(written) becomes \(image)"))
        }
        var edits: [PageRepair.Edit] = []
        var newPrinted = lines.text(printedLine)
        if printedWrong {
            guard let range = URLOccurrence.first(of: printed, in: Substring(newPrinted)) else {
                return refuse(printedLine, "the printed mirror URL is not found whole on its line")
            }
            newPrinted.replaceSubrange(range, with: mirror)
        }
        var newLink = lines.text(linkLine)
        guard let linkedRange = URLOccurrence.last(of: linked, in: newLink),
              let imageRange = URLOccurrence.last(of: written, in: newLink) else {
            return refuse(linkLine, "the QR link's URLs are not found whole on its line")
        }
        // Replace the later occurrence first, so the earlier range stays valid.
        let replacements = [(linkedRange, linkedWrong ? mirror : linked), (imageRange, imageWrong ? image : written)]
            .sorted { $0.0.lowerBound > $1.0.lowerBound }
        for (range, text) in replacements { newLink.replaceSubrange(range, with: text) }
        for (n, text) in [(printedLine, newPrinted), (linkLine, newLink)] where text != lines.text(n) {
            guard lines.isValidUTF8(n) else { return refuse(n, "line \(n) is not valid UTF-8; it is left as it is") }
            edits.append(.init(oldLines: (n - 1)..<n, newLines: [text]))
        }
        guard !edits.isEmpty else { return .unchanged }
        let after = Self.apply(edits, to: lines)
        let repair = PageRepair(page: article.pagePath, changes: changes, edits: edits, before: bytes, after: after,
                                mirrorURL: mirror, imageURL: image, linkLine: linkLine)
        return check(repair, article: article)
    }

    /// A new footer, in the archive's style and place: before the trailing block of dashes when
    /// the style's footers sit there and the page has one, otherwise after the page's last line.
    func insertFooter(_ article: Article, bytes: [UInt8], mirror: String, image: String) -> Outcome {
        let path = article.pagePath.value
        let lines = LineTable(bytes)
        let style = config.footerStyle
        var trailingDashes: Int? = nil
        if style.trailing == .dashes, lines.count > 2 {
            // Line 2 is the title's underline, not a trailing block.
            trailingDashes = (3...lines.count).last { lines.isDashes($0) }
        }
        // The last line with text before the trailing block (or in the page).
        let end = (trailingDashes ?? lines.count + 1) - 1
        guard let last = stride(from: end, through: 1, by: -1).first(where: { !lines.isBlank($0) }) else {
            return .refused(RefusedRepair(page: path, line: nil, reason: "the page has no text to put a footer after"))
        }
        // Blank lines the page already has after its text (where a removed footer's blank lines
        // stayed) count towards the style's blank lines before the footer, and the rest towards
        // those after it: a footer put back where it was gives the page it had.
        let blanksBetween = end - last
        var rendered = style.render(mirrorURL: mirror, imageURL: image, originalURL: article.originalURL)
        // A page that kept its footer's rule (the footer was cut after it) gets the rest of the
        // footer right after that rule, not a second rule.
        let keptRule = style.startsWithRule && lines.isRule(last)
        if keptRule { rendered.removeFirst() }
        let reused = keptRule ? 0 : min(blanksBetween, style.blankLinesBefore)
        let at = last + reused
        var newLines = Array(repeating: "", count: keptRule ? 0 : style.blankLinesBefore - reused)
        newLines += rendered
        if trailingDashes != nil {
            newLines += Array(repeating: "", count: max(0, style.blankLinesAfter - (blanksBetween - reused)))
        }
        let edits = [PageRepair.Edit(oldLines: at..<at, newLines: newLines)]
        let after = Self.apply(edits, to: lines)
        let linkOffset = newLines.firstIndex { $0.contains(image) } ?? 0
        let repair = PageRepair(
            page: article.pagePath,
            changes: [.init(line: at + 1, kind: .footerMissing, message: "a share footer is added after line \(last)")],
            edits: edits, before: bytes, after: after, mirrorURL: mirror, imageURL: image, linkLine: at + 1 + linkOffset)
        return check(repair, article: article)
    }

    /// Reads the repaired page back: its footer must be exactly the intended one, or the page
    /// is left alone (a repair never writes a footer it cannot read back).
    func check(_ repair: PageRepair, article: Article) -> Outcome {
        let page = PageParser(mirrorForm: config.mirrorForm).parse(repair.after)
        // An added footer's original URL is whatever the page has after it; a rewritten one keeps its own.
        guard let footer = page.footer, footer.printedMirrorURL == repair.mirrorURL, footer.linkedMirrorURL == repair.mirrorURL,
              footer.qrImageURL == repair.imageURL, footer.linkLine == repair.linkLine,
              !article.hasFooter || footer.originalURL == article.originalURL else {
            return .refused(RefusedRepair(page: repair.page.value, line: repair.line,
                                          reason: "the repaired footer would not read back as intended; it is left as it is"))
        }
        return .repair(repair)
    }

    /// The page's bytes with the edits applied: every other byte, line endings included, kept.
    /// Inserted lines take the ending of the line before them (or the page's usual ending).
    static func apply(_ edits: [PageRepair.Edit], to lines: LineTable) -> [UInt8] {
        let bytes = lines.bytes
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 512)
        var position = 0  // next byte of `bytes` to copy
        for edit in edits.sorted(by: { $0.oldLines.lowerBound < $1.oldLines.lowerBound }) {
            if edit.oldLines.isEmpty {
                // Insert after line `lowerBound` (1-based), i.e. after its line ending.
                let n = edit.oldLines.lowerBound
                let ending = lines.ending[n - 1]
                let newline = ending.isEmpty ? lines.dominantEnding : Array(bytes[ending])
                out += bytes[position..<ending.upperBound]
                if ending.isEmpty {
                    // The page had no final newline: the footer's last line has none either.
                    for line in edit.newLines { out += newline; out += line.utf8 }
                } else {
                    for line in edit.newLines { out += line.utf8; out += newline }
                }
                position = ending.upperBound
            } else {
                // Replace the content of each old line; the line endings stay.
                for (k, n) in edit.oldLines.enumerated() {
                    var content = lines.content[n]
                    if n == 0, lines.hasBOM { content = 3..<content.upperBound }
                    out += bytes[position..<content.lowerBound]
                    out += edit.newLines[k].utf8
                    position = content.upperBound
                }
            }
        }
        out += bytes[position...]
        return out
    }

    static let undecidedForm = "the archive's image link form is undecided (as many footers use the CDN form as the blob form): "
        + "set image_url in sharemark.toml or pass --image-url cdn|blob"

    /// Whether a mirror URL is this page's canonical one: it reaches the page (raw or encoded)
    /// in this archive's repository and branch.
    func isCanonicalMirror(_ url: String, path: String) -> Bool {
        guard case .exact(let parts)? = PageAddress.reference(of: url, form: config.mirrorForm, target: path) else { return false }
        return parts.owner.lowercased() == config.owner.lowercased() && parts.repository == config.repository
            && (parts.branch ?? config.branch) == config.branch
    }

    /// Whether an image URL of `form` reaches this page's PNG in this archive's repository (a
    /// CDN URL's `@ref`, if any, is the writer's choice and kept).
    func isCanonicalImage(_ url: String, form: ImageLinkForm, path: String) -> Bool {
        guard case .exact(let parts)? = imageReference(url, form: form, path: path) else { return false }
        let branchOK = form == .cdn || (parts.branch ?? config.branch) == config.branch
        return parts.owner.lowercased() == config.owner.lowercased() && parts.repository == config.repository && branchOK
    }

    /// What an image URL of `form` names, compared with this page's PNG (in any repository).
    func imageReference(_ url: String, form: ImageLinkForm, path: String) -> PageAddress.Reference? {
        PageAddress.reference(of: url, form: form == .cdn ? config.cdnForm : config.mirrorForm, target: path + ".png")
    }

    /// The finding a wrong mirror URL stands for: an old name of the repository, a link that
    /// does not reach the page, or another page.
    func mirrorKind(_ url: String, path: String) -> Finding.Kind {
        switch PageAddress.reference(of: url, form: config.mirrorForm, target: path) {
        case .exact(let parts)? where parts.owner.lowercased() != config.owner.lowercased(): return .otherArchiveURL
        case .exact?: return .aliasMirrorURL
        case .opensFolder?: return .linkOpensFolder
        case .other?: return .footerNamesOtherPage
        case nil: return .mirrorURLMismatch
        }
    }

    func isHTTP(_ url: String) -> Bool {
        let head = url.prefix(8).lowercased()
        return head.hasPrefix("http://") || head.hasPrefix("https://")
    }
}

extension URLOccurrence {
    /// The last whole occurrence of `url` in `text`.
    static func last(of url: String, in text: String) -> Range<String.Index>? {
        var found: Range<String.Index>? = nil
        var rest = Substring(text)
        while let range = first(of: url, in: rest) {
            found = range
            rest = text[range.upperBound...]
        }
        return found
    }
}
