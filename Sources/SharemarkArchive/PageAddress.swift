/// The one mapping between a page's file and its addresses: the QR asset beside it, and the
/// URLs that reach it. Everything Sharemark writes or links for a page comes from here, made
/// from the page's own path; nothing is taken from what a footer says.
///
/// - The QR asset is `<page>.png` (the archive format's rule), whatever the footer's image
///   link names.
/// - A URL carries the path percent-encoded (`PageAddress.encoded`), so that a file name with
///   `?`, `#`, `%` or a space reaches its file on the git host and the CDN.
/// - A footer URL is read back in either form, raw or encoded (`reference(of:form:)`).
public struct PageAddress: Hashable, Sendable {
    /// The page, relative to the archive root.
    public let page: ArchivePath
    /// Its QR asset: the page's path and `.png`.
    public let asset: ArchivePath

    public init(page: ArchivePath) {
        self.page = page
        // A valid path with ".png" appended is valid: no component became empty or "..".
        asset = try! ArchivePath(page.value + ".png")
    }

    // MARK: - Paths in URLs

    /// `path` as a URL path (RFC 3986): ASCII letters, digits and `-._~/!$()*+,;=:@` as they
    /// are, every other ASCII byte (`?`, `#`, `%`, space, `&`, `'`, controls …) as `%XX` with
    /// upper-case digits. Non-ASCII characters stay as they are, as the archives' footers
    /// write them (the git host and the CDN take either form).
    ///
    /// `&` and `'` are encoded although a path may hold them: footers put these URLs in
    /// single-quoted HTML attributes, where they would end the value or start an entity.
    public static func encoded(_ path: String) -> String {
        var needs = false
        for byte in path.utf8 where byte < 0x80 && !isKept(byte) { needs = true; break }
        guard needs else { return path }
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count + 8)
        for byte in path.utf8 {
            if byte >= 0x80 || isKept(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The ASCII bytes a URL path holds as they are.
    static func isKept(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return keptPunctuation.contains(byte)
        }
    }

    static let keptPunctuation: Set<UInt8> = Set("-._~/!$()*+,;=:@".utf8)
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    // MARK: - URLs of the page

    /// The page's mirror URL in `config`'s repository; nil when the repository is unknown.
    public func mirrorURL(in config: ArchiveConfig) -> String? {
        config.mirrorURL(path: page.value)
    }

    /// The URL of the page's QR image in `form`; nil when the repository is unknown.
    public func imageURL(in config: ArchiveConfig, form: ImageLinkForm) -> String? {
        config.imageURL(path: asset.value, form: form)
    }

    // MARK: - Reading footer URLs back

    /// What a footer URL of `form` names, compared with `target` (this page or its asset).
    public enum Reference: Hashable, Sendable {
        /// It names `target` and reaches it: its path, raw or encoded, decodes to `target`.
        case exact(URLTemplate.Parts)
        /// It names `target` only when read to its end: a raw `?` or `#` in the path ends the
        /// path on the git host, so the link opens the folder (or another file), not the page.
        case opensFolder(URLTemplate.Parts)
        /// It names another file (its decoded path).
        case other(URLTemplate.Parts, path: String)
    }

    /// What `url` names when read with `form` (nil when it is not of that form), compared with
    /// `target`.
    public static func reference(of url: String, form: URLTemplate, target: String) -> Reference? {
        let parts = form.match(url)
        if let parts, URLText.percentDecoded(parts.path) == target { return .exact(parts) }
        if let whole = form.match(url, wholePath: true), whole.path != parts?.path,
           URLText.percentDecoded(whole.path) == target {
            return .opensFolder(whole)
        }
        guard let parts else { return nil }
        return .other(parts, path: URLText.percentDecoded(parts.path))
    }

    /// What a mirror URL names, compared with this page.
    public func pageReference(of url: String, form: URLTemplate) -> Reference? {
        Self.reference(of: url, form: form, target: page.value)
    }

    /// What a QR image URL names, compared with this page's asset.
    public func assetReference(of url: String, form: URLTemplate) -> Reference? {
        Self.reference(of: url, form: form, target: asset.value)
    }
}

extension PageAddress.Reference {
    /// The URL's parts (owner, repository, branch, path as written).
    public var parts: URLTemplate.Parts {
        switch self {
        case .exact(let p), .opensFolder(let p), .other(let p, _): return p
        }
    }

    /// Whether the URL names the target, reaching it or not.
    public var namesTarget: Bool {
        if case .other = self { return false }
        return true
    }
}
