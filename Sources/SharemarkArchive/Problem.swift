/// Something wrong with a file of the archive, found while scanning or parsing it: what (a
/// stable kind), where (archive-relative file, 1-based line when one applies) and a sentence.
public struct Problem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Stable names, stored in the index and used by `verify` to report each problem once.
    /// `verify` reports them as `Finding.Kind`s, mapped in one place: `Finding.init(_: Problem)`.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        // Scanning
        case folderUnreadable = "folder-unreadable"
        case fileUnreadable = "file-unreadable"
        case fileNameInvalid = "file-name-invalid"
        case notAFile = "not-a-file"
        // A page as a whole
        case pageUnreadable = "page-unreadable"
        case invalidUTF8 = "invalid-utf8"
        case titleMissing = "title-missing"
        // The share footer
        case footerLinksElsewhere = "footer-links-elsewhere"
        case mirrorURLMismatch = "mirror-url-mismatch"
        case mirrorURLNotPrinted = "mirror-url-not-printed"
        case footerLinkNotHTTP = "footer-link-not-http"
        case imageURLNotHTTP = "image-url-not-http"
        case imageURLUnrecognised = "qr-image-url-unrecognised"
        case imageOfOtherRepository = "image-of-other-repository"
        case imageNamesOtherFile = "image-names-other-file"
        case imageOutsideArchive = "asset-outside-archive"
        case originalURLMissing = "original-url-missing"
        case footerIncomplete = "footer-incomplete"
        /// A footer URL names the page (or its PNG) with a raw `?` or `#` in the path, which
        /// the git host takes for the start of a query or fragment: the link does not reach it.
        case linkOpensFolder = "link-opens-folder"
        /// A page or PNG larger than the configured cap: read no further.
        case fileTooLarge = "file-too-large"
        /// Read from an index written before problems had kinds.
        case unclassified = "unclassified"
    }

    public var kind: Kind
    public var file: String
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, file: String, line: Int? = nil, message: String) {
        self.kind = kind; self.file = file; self.line = line; self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
