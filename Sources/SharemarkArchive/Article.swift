/// A parsed page with what its URLs say, as the index stores it: independent of the archive's
/// owner and repository (those are applied when an `Article` is made), dependent only on the
/// URL forms.
public struct PageRecord: Hashable, Sendable {
    public var file: PageFile
    public var page: Page
    public var mirrorOwner: String?
    public var mirrorRepository: String?
    public var mirrorBranch: String?
    /// The local QR asset the image URL names (nil without a footer, or when it is not a valid
    /// archive path).
    public var qrAsset: ArchivePath?
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
        if page.invalidUTF8 { problems.append(Problem(.invalidUTF8, file: path, message: "not valid UTF-8 (read with replacement characters)")) }
        if page.title == nil { problems.append(Problem(.titleMissing, file: path, line: 1, message: "first line is not a '### title' heading")) }
        if let footer = page.footer {
            if let parts = mirrorForm.match(footer.linkedMirrorURL) {
                mirrorOwner = parts.owner
                mirrorRepository = parts.repository
                mirrorBranch = parts.branch
                // A link that disagrees with the printed URL is reported as that disagreement.
                let agrees = footer.printedMirrorURL == nil || footer.printedMirrorURL == footer.linkedMirrorURL
                if agrees && URLText.percentDecoded(parts.path) != path {
                    problems.append(Problem(.footerLinksElsewhere, file: path, line: footer.linkLine,
                                            message: "footer links to \(parts.path), not to this page"))
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
            var assetPath: String?
            var imageParts: URLTemplate.Parts?
            if let parts = cdnForm.match(footer.qrImageURL) {
                assetPath = parts.path
                imageParts = parts
                imageLinkForm = .cdn
            } else if let parts = mirrorForm.match(footer.qrImageURL) {
                assetPath = parts.path
                imageParts = parts
                imageLinkForm = .blob
            } else {
                problems.append(Problem(.imageURLUnrecognised, file: path, line: footer.qrImageLine,
                                        message: "QR image URL is neither of the CDN nor of the mirror form: \(footer.qrImageURL)"))
            }
            // The image must come from the repository the footer links to: another repository's
            // file is not this archive's asset, whatever its path.
            if let image = imageParts, let owner = mirrorOwner, let repository = mirrorRepository,
               image.owner.lowercased() != owner.lowercased() || image.repository != repository {
                let (imageOwner, imageRepository) = (image.owner, image.repository)
                problems.append(Problem(.imageOfOtherRepository, file: path, line: footer.qrImageLine,
                                        message: "QR image URL is of another repository (\(imageOwner)/\(imageRepository), "
                                            + "not \(owner)/\(repository)): \(footer.qrImageURL)"))
            }
            if let assetPath {
                let decoded = URLText.percentDecoded(assetPath)
                do {
                    qrAsset = try ArchivePath(decoded)
                    if decoded != path + ".png" {
                        problems.append(Problem(.imageNamesOtherFile, file: path, line: footer.qrImageLine,
                                                message: "QR image names \(decoded), not \(path).png"))
                    }
                } catch {
                    assetOutsideArchive = true
                    problems.append(Problem(.imageOutsideArchive, file: path, line: footer.qrImageLine,
                                            message: "QR image URL names a file outside the archive: \(error)"))
                }
            }
            if let original = footer.originalURL {
                date = URLText.dateFromOriginalURL(original)
            } else {
                problems.append(Problem(.originalURLMissing, file: path, line: footer.linkLine, message: "no original URL after the QR link"))
            }
        }
        if page.footer == nil, let url = page.unlinkedMirrorURL, let parts = mirrorForm.match(url),
           URLText.percentDecoded(parts.path) == path {
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
    /// The local PNG the page references (nil without a footer, or when it lies outside).
    public var qrAsset: ArchivePath?
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
    /// The form of the QR image URL as written (nil without a footer, or of neither form).
    public var imageLinkForm: ImageLinkForm?
    /// The QR image URL names a path that would leave the archive.
    public var assetOutsideArchive: Bool
    public var problems: [Problem]

    /// `category/id`.
    public var key: String { "\(category)/\(id)" }
}

extension Article {
    /// The URL the page is shared by, and that its QR code encodes: the printed mirror URL, else
    /// the canonical one (nil when neither is known).
    public var shareURL: String? { mirrorURL ?? canonicalMirrorURL }
}
