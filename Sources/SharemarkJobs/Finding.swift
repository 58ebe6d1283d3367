import SharemarkArchive

/// One thing `sharemark verify` found about a page or a PNG: how bad, what (a stable machine
/// name), where (archive-relative file and the footer's line) and a sentence for people.
public struct Finding: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case error, warning
        public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
    }

    /// Stable names, for scripts and CI filters; never renamed once released.
    ///
    /// The index's `Problem.Kind` says what reading a page found, finely (it is stored, and
    /// several of its kinds lead to one repair); `Finding.Kind` is what `verify` reports. The one
    /// mapping between them is `Finding.init(_: Problem)`, an exhaustive switch: a new problem
    /// kind does not compile until it is mapped.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// The footer references a PNG that does not exist.
        case assetMissing = "asset-missing"
        /// The PNG exists but is not a readable PNG image.
        case assetNotPNG = "asset-not-png"
        /// The PNG holds no QR code a decoder can find.
        case qrNotFound = "qr-not-found"
        /// The PNG's QR code encodes something other than the footer's mirror URL.
        case payloadMismatch = "payload-mismatch"
        /// The QR image URL names a file outside the archive.
        case assetOutsideArchive = "asset-outside-archive"
        /// The QR image URL is of no known form, so no local PNG can be checked.
        case qrImageURLUnrecognised = "qr-image-url-unrecognised"
        /// The printed mirror URL and the linked one differ.
        case mirrorURLMismatch = "mirror-url-mismatch"
        /// The mirror URL names the repository by an old name (alias).
        case aliasMirrorURL = "alias-mirror-url"
        /// The footer names another owner's repository: a page copied from a sibling archive.
        case otherArchiveURL = "other-archive-url"
        /// The QR image URL is of the other form than the archive's own (CDN or the git host's
        /// `/blob/` web view; the archive's form is `image_url`, or what most footers use).
        case imageURLOtherForm = "image-url-other-form"
        /// The page has no share footer at all.
        case footerMissing = "footer-missing"
        /// A PNG under the pages folder that no page references.
        case orphanAsset = "orphan-asset"
        /// A page or a PNG that could not be read, or is not a regular file.
        case fileUnreadable = "file-unreadable"
        /// The footer's link or QR image URL is not an http(s) URL (`javascript:`, `data:`…).
        case footerURLNotHTTP = "footer-url-not-http"
        /// The footer links to another page, or its image names another page's PNG or another
        /// repository's file.
        case footerNamesOtherPage = "footer-names-other-page"
        /// The footer has a QR link but no mirror URL printed before it.
        case mirrorURLNotPrinted = "mirror-url-not-printed"
        /// The page is not valid UTF-8 (it was read with replacement characters).
        case invalidUTF8 = "invalid-utf8"
        /// The page does not start with a `### title` line.
        case titleMissing = "title-missing"
        /// The footer has no original URL after the QR link.
        case originalURLMissing = "original-url-missing"
        /// The footer stops after its mirror URL: no QR image link follows.
        case footerIncomplete = "footer-incomplete"
        /// A footer URL has a raw `?` or `#` in the page's path: on the git host it opens the
        /// folder (or another file), not the page; the working URL percent-encodes it.
        case linkOpensFolder = "link-opens-folder"
        /// A page or PNG larger than the configured cap (`limits` in sharemark.toml): not read.
        case fileTooLarge = "file-too-large"

        public var severity: Severity {
            switch self {
            case .aliasMirrorURL, .otherArchiveURL, .imageURLOtherForm, .footerMissing, .orphanAsset, .invalidUTF8,
                 .titleMissing, .originalURLMissing:
                return .warning
            default: return .error
            }
        }

        /// The command that repairs it, nil when the page must be edited by hand.
        public var repair: Repair? {
            switch self {
            case .assetMissing: return .regenerate(.missing)
            case .assetNotPNG, .qrNotFound, .payloadMismatch: return .regenerate(.stale)
            case .aliasMirrorURL, .otherArchiveURL, .mirrorURLMismatch, .imageURLOtherForm, .footerMissing, .footerNamesOtherPage,
                 .assetOutsideArchive, .linkOpensFolder:
                return .fixFooters
            case .orphanAsset: return .removeOrphans
            default: return nil
            }
        }
    }

    /// What repairs a finding. `sharemark fix` repairs every kind: footers, then the PNGs as
    /// `regen --stale` would, and with `--remove-orphans` the orphans; `regen` only PNGs.
    public enum Repair: Hashable, Sendable, Codable {
        case regenerate(RegenerationMode)
        case fixFooters
        case removeOrphans

        /// The command, without the archive folder.
        public var command: String {
            switch self {
            case .regenerate(.missing): return "sharemark regen"
            case .regenerate(let mode): return "sharemark regen --\(mode.rawValue)"
            case .fixFooters: return "sharemark fix"
            case .removeOrphans: return "sharemark fix --remove-orphans"
            }
        }
    }

    /// How the payload of a PNG was read: the module-grid comparison or the zbar decoder.
    public enum Decoder: String, Hashable, Sendable, Codable {
        case grid, zbar
    }

    public var severity: Severity
    public var kind: Kind
    /// Archive-relative path: the page for page findings, the PNG for orphans.
    public var file: String
    /// 1-based line in `file` (the footer line concerned), nil when none applies.
    public var line: Int?
    public var message: String
    /// Which decoder decided, for findings about a PNG's content.
    public var decidedBy: Decoder?
    /// The command that repairs it (without the archive folder), nil when the page must be
    /// edited by hand.
    public var repair: String?

    /// The finding for a problem the index found in a file, or nil when the verifier reports
    /// that problem itself from the article's fields (so it is reported once).
    public init?(_ problem: Problem) {
        let kind: Kind
        switch problem.kind {
        case .mirrorURLMismatch, .imageURLUnrecognised, .imageOutsideArchive: return nil
        case .folderUnreadable, .fileUnreadable, .fileNameInvalid, .notAFile, .pageUnreadable, .unclassified:
            kind = .fileUnreadable
        case .footerLinkNotHTTP, .imageURLNotHTTP: kind = .footerURLNotHTTP
        case .footerLinksElsewhere, .imageOfOtherRepository, .imageNamesOtherFile: kind = .footerNamesOtherPage
        case .mirrorURLNotPrinted: kind = .mirrorURLNotPrinted
        case .invalidUTF8: kind = .invalidUTF8
        case .titleMissing: kind = .titleMissing
        case .originalURLMissing: kind = .originalURLMissing
        case .footerIncomplete: kind = .footerIncomplete
        case .linkOpensFolder: kind = .linkOpensFolder
        case .fileTooLarge: kind = .fileTooLarge
        }
        self.init(kind: kind, file: problem.file, line: problem.line, message: problem.message)
    }

    public init(kind: Kind, file: String, line: Int?, message: String, decidedBy: Decoder? = nil) {
        self.severity = kind.severity
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
        self.decidedBy = decidedBy
        self.repair = kind.repair?.command
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let decider = decidedBy.map { " [\($0.rawValue)]" } ?? ""
        let fix = repair.map { "; repair: \($0)" } ?? ""
        return "\(place): \(severity.rawValue): \(message) (\(kind.rawValue)\(fix))\(decider)"
    }
}
