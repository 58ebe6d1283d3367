/// A parsed page with what its URLs say, as the index stores it: independent of the archive's
/// owner and repository (those are applied when an `Article` is made), dependent only on the
/// URL forms.
public struct PageRecord: Hashable, Sendable {
    public var file: PageFile
    public var page: Page
    public var mirrorOwner: String?
    public var mirrorRepository: String?
    public var mirrorBranch: String?
    /// The page's QR asset, `<page>.png` (nil without a footer: no QR is referenced).
    public var qrAsset: ArchivePath?
    /// The archive file the footer's image link names (nil without a footer, or when it names
    /// a path outside the archive). Only read, never written: a file that a footer names is
    /// not removed as an orphan.
    public var imageLinkTarget: ArchivePath?
    /// The form of the footer's image URL (nil when it is of neither form).
    public var imageLinkForm: ImageLinkForm?
    public var assetOutsideArchive: Bool
    public var date: String?
    public var problems: [Problem]

    public init(file: PageFile, page: Page, mirrorForm: URLTemplate, cdnForm: URLTemplate) {
        self.file = file
        self.page = page
        assetOutsideArchive = false
        problems = []
        let path = file.path.value
        let address = PageAddress(page: file.path)
        if page.invalidUTF8 { problems.append(Problem(.invalidUTF8, file: path, message: "not valid UTF-8 (read with replacement characters)")) }
        if page.title == nil { problems.append(Problem(.titleMissing, file: path, line: 1, message: "first line is not a '### title' heading")) }
        if let footer = page.footer {
            // The page's QR asset is its own `<page>.png`, whatever the image link says.
            qrAsset = address.asset
            // A link that disagrees with the printed URL is reported as that disagreement.
            let agrees = footer.printedMirrorURL == nil || footer.printedMirrorURL == footer.linkedMirrorURL
            if let reference = address.pageReference(of: footer.linkedMirrorURL, form: mirrorForm) {
                let parts = reference.parts
                mirrorOwner = parts.owner
                mirrorRepository = parts.repository
                mirrorBranch = parts.branch
                switch reference {
                case .exact: break
                case .opensFolder:
                    problems.append(Problem(.linkOpensFolder, file: path, line: footer.linkLine,
                                            message: "the mirror URL \(footer.linkedMirrorURL) opens the folder, not the page: "
                                                + "a raw '?' or '#' ends its path on the git host"))
                case .other(let parts, _) where agrees:
                    problems.append(Problem(.footerLinksElsewhere, file: path, line: footer.linkLine,
                                            message: "footer links to \(parts.path), not to this page"))
                case .other: break
                }
            }
            if let printed = footer.printedMirrorURL, printed != footer.linkedMirrorURL {
                problems.append(Problem(.mirrorURLMismatch, file: path, line: footer.printedMirrorLine,
                                        message: "printed mirror URL differs from the linked one (\(footer.linkedMirrorURL))"))
            } else if footer.printedMirrorURL == nil {
                problems.append(Problem(.mirrorURLNotPrinted, file: path, line: footer.linkLine, message: "no mirror URL printed before the QR link"))
            }
            // The URL forms match whatever the scheme: a `javascript:` or `data:` link must not
            // pass for the page's mirror URL or image.
            if !PageRecord.isHTTP(footer.linkedMirrorURL) {
                problems.append(Problem(.footerLinkNotHTTP, file: path, line: footer.linkLine,
                                        message: "footer link is not an http(s) URL: \(footer.linkedMirrorURL)"))
            }
            if !PageRecord.isHTTP(footer.qrImageURL) {
                problems.append(Problem(.imageURLNotHTTP, file: path, line: footer.qrImageLine,
                                        message: "QR image URL is not an http(s) URL: \(footer.qrImageURL)"))
            }
            var image: PageAddress.Reference?
            if let reference = address.assetReference(of: footer.qrImageURL, form: cdnForm) {
                image = reference
                imageLinkForm = .cdn
            } else if let reference = address.assetReference(of: footer.qrImageURL, form: mirrorForm) {
                image = reference
                imageLinkForm = .blob
            } else {
                problems.append(Problem(.imageURLUnrecognised, file: path, line: footer.qrImageLine,
                                        message: "QR image URL is neither of the CDN nor of the mirror form: \(footer.qrImageURL)"))
            }
            // The image must come from the repository the footer links to: another repository's
            // file is not this archive's asset, whatever its path.
            if let parts = image?.parts, let owner = mirrorOwner, let repository = mirrorRepository,
               parts.owner.lowercased() != owner.lowercased() || parts.repository != repository {
                problems.append(Problem(.imageOfOtherRepository, file: path, line: footer.qrImageLine,
                                        message: "QR image URL is of another repository (\(parts.owner)/\(parts.repository), "
                                            + "not \(owner)/\(repository)): \(footer.qrImageURL)"))
            }
            switch image {
            case .exact?:
                imageLinkTarget = address.asset
            case .opensFolder?:
                imageLinkTarget = address.asset
                problems.append(Problem(.linkOpensFolder, file: path, line: footer.qrImageLine,
                                        message: "the QR image URL \(footer.qrImageURL) opens the folder, not \(address.asset): "
                                            + "a raw '?' or '#' ends its path"))
            case .other(_, let named)?:
                do {
                    imageLinkTarget = try ArchivePath(named)
                    problems.append(Problem(.imageNamesOtherFile, file: path, line: footer.qrImageLine,
                                            message: "QR image names \(named), not \(address.asset)"))
                } catch {
                    assetOutsideArchive = true
                    problems.append(Problem(.imageOutsideArchive, file: path, line: footer.qrImageLine,
                                            message: "QR image URL names a file outside the archive: \(error)"))
                }
            case nil:
                break
            }
            if let original = footer.originalURL {
                date = URLText.dateFromOriginalURL(original)
            } else {
                problems.append(Problem(.originalURLMissing, file: path, line: footer.linkLine, message: "no original URL after the QR link"))
            }
        }
        if page.footer == nil, let url = page.unlinkedMirrorURL,
           address.pageReference(of: url, form: mirrorForm)?.namesTarget == true {
            problems.append(Problem(.footerIncomplete, file: path, line: page.unlinkedMirrorLine,
                                    message: "the share footer is cut off: its mirror URL has no QR image link after it"))
        }
        if date == nil { date = page.datelineDate }
    }
}

extension PageRecord {
    /// Whether a URL starts with `http://` or `https://` (any case).
    static func isHTTP(_ url: String) -> Bool {
        // From the bytes when the first nine are ASCII (so the first eight Characters are
        // those bytes, and lowering them is `lowercased()`'s): every footer's URLs come here.
        var text = url
        let fromBytes: Bool? = text.withUTF8 { bytes in
            guard bytes.prefix(9).allSatisfy({ $0 < 0x80 }) else { return nil }
            let head = bytes.prefix(8).map(\.asciiLowercased)
            return head.starts(with: "http://".utf8) || head.starts(with: "https://".utf8)
        }
        if let fromBytes { return fromBytes }
        let head = url.prefix(8).lowercased()
        return head.hasPrefix("http://") || head.hasPrefix("https://")
    }
}

/// A page of the archive with everything a user or a later step needs: its identity, its URLs
/// as written and in canonical form, its QR asset and the flags of its quirks.
public struct Article: Hashable, Sendable, Codable {
    public var category: String
    public var id: String
    public var pagePath: ArchivePath
    public var title: String?
    public var size: Int64
    public var mtimeNs: Int64

    public var hasFooter: Bool
    /// The mirror URL as printed in the footer.
    public var mirrorURL: String?
    /// The mirror URL built from the configuration (differs when the page uses an old name);
    /// nil when the archive's repository is unknown.
    public var canonicalMirrorURL: String?
    public var linkedMirrorURL: String?
    /// The QR image URL as written.
    public var qrImageURL: String?
    /// The canonical URL of the page's QR image, in the archive's image link form (nil without
    /// a footer, or when the repository is unknown or the form undecided).
    public var canonicalQRImageURL: String?
    /// The page's QR asset, `<page>.png`, derived from its path (nil without a footer: no QR is
    /// referenced). The only PNG Sharemark writes for the page.
    public var qrAsset: ArchivePath?
    /// The archive file the footer's image link names, when it names one (the page's own
    /// asset, or another file: a finding). Read only, to keep such a file from being taken
    /// for an orphan.
    public var imageLinkTarget: ArchivePath?
    public var originalURL: String?
    /// Publication date `YYYY-MM-DD`.
    public var date: String?

    public var mirrorURLLine: Int?
    public var linkLine: Int?
    public var qrImageLine: Int?
    public var originalURLLine: Int?

    public var invalidUTF8: Bool
    /// The footer names the repository by an old name (an alias) or another owner.
    public var aliasUsed: Bool
    /// The repository the footer names (`owner/repository`) when it is another owner's: a
    /// page copied from a sibling archive, not an old name of this one (nil otherwise).
    public var otherArchive: String? = nil
    /// The form of the QR image URL as written (nil without a footer, or of neither form).
    public var imageLinkForm: ImageLinkForm?
    /// The QR image URL names a path that would leave the archive.
    public var assetOutsideArchive: Bool
    public var problems: [Problem]

    /// `category/id`.
    public var key: String { "\(category)/\(id)" }

    /// The page's address: its asset and URLs, from its path.
    public var address: PageAddress { PageAddress(page: pagePath) }
}

extension Article {
    /// The URL the page is shared by, and that its QR code encodes: the printed mirror URL when
    /// it names this page and reaches it, else the canonical one (nil when neither is known).
    public var shareURL: String? {
        guard let printed = mirrorURL,
              !problems.contains(where: { $0.kind == .linkOpensFolder || $0.kind == .footerLinksElsewhere }) else {
            return canonicalMirrorURL
        }
        return printed
    }
}
