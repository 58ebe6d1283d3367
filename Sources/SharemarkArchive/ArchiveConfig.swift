import Foundation
import SharemarkQROptions

/// How an archive names itself: the repository its pages are served from, the URL forms, the
/// pages folder and the QR options. Read from `sharemark.toml` at the archive root, or inferred
/// from the pages' footers when there is no such file.
///
/// Unknown keys in `sharemark.toml` are errors (a misspelt key would otherwise be silently
/// ignored and its default used).
public struct ArchiveConfig: Hashable, Sendable, Codable {
    public static let fileName = "sharemark.toml"

    public var owner: String
    public var repository: String
    public var branch: String
    /// Old names of the repository; pages written under them are valid but not canonical.
    public var aliases: [String]
    public var mirrorForm: URLTemplate
    public var cdnForm: URLTemplate
    public var pagesFolder: String
    public var qr: QROptions
    /// The form of the footers' QR image links: from `image_url`, or the form most footers use;
    /// nil when as many footers use one form as the other (nothing says which is the archive's).
    public var imageLinkForm: ImageLinkForm?
    /// How the footers are worded and laid out, for writing new ones: the style most footers
    /// share, or `FooterStyle.standard` when there is none to learn from.
    public var footerStyle: FooterStyle
    /// The most Sharemark reads of one page or PNG (`[limits]` in `sharemark.toml`).
    public var limits: ReadLimits = .standard

    /// Whether the repository is known (named by `sharemark.toml` or inferred from footers).
    /// When it is not, no mirror or share URL can be made: none is ever invented.
    public var knowsRepository: Bool { !owner.isEmpty && !repository.isEmpty }

    /// Where this configuration came from.
    public enum Source: String, Hashable, Sendable, Codable { case file, inferred, defaults }
    public var source: Source


    public init(owner: String, repository: String, branch: String = "master", aliases: [String] = [],
                mirrorForm: URLTemplate = .defaultMirror, cdnForm: URLTemplate = .defaultCDN,
                pagesFolder: String = "pages", qr: QROptions = QROptions(), imageLinkForm: ImageLinkForm? = .cdn,
                footerStyle: FooterStyle = .standard, source: Source = .defaults) {
        self.owner = owner; self.repository = repository; self.branch = branch; self.aliases = aliases
        self.mirrorForm = mirrorForm; self.cdnForm = cdnForm; self.pagesFolder = pagesFolder
        self.qr = qr; self.imageLinkForm = imageLinkForm; self.footerStyle = footerStyle; self.source = source
    }

    /// The message and the command to run when the repository is unknown.
    public static let unknownRepositoryMessage = "the archive's repository is unknown: no page has a share footer to infer it from "
        + "and sharemark.toml does not name it; run: sharemark init --owner OWNER --repository REPOSITORY"

    /// The keys `sharemark.toml` may hold.
    public static let knownKeys = ["owner", "repository", "branch", "aliases", "mirror_url", "cdn_url", "image_url", "pages",
                                   "qr.scale", "qr.margin", "qr.level", "qr.png_style",
                                   "limits.page_bytes", "limits.png_bytes"]

    /// Reads a configuration file's text. Keys left out keep their defaults; `owner` and
    /// `repository`, when left out, come from `fallback` (the inferred values).
    public init(parsing text: String, file: String = ArchiveConfig.fileName,
                fallback: ArchiveConfig? = nil) throws(ConfigFile.Error) {
        let parsed = try ConfigFile(parsing: text, file: file)
        self = fallback ?? ArchiveConfig(owner: "", repository: "")
        self.source = .file
        var sawOwner = false, sawRepository = false, fileAliases: [String]? = nil
        for entry in parsed.entries {
            func fail(_ message: String) -> ConfigFile.Error {
                ConfigFile.Error(file: file, line: entry.line, key: entry.key, message: message)
            }
            // What the entry holds, for type errors: "a float 4.5", "an array [1, 2]".
            let found = "\(entry.value.kind) \(entry.text)"
            func string() throws(ConfigFile.Error) -> String {
                guard case .string(let s) = entry.value else { throw fail("expected a string, found \(found)") }
                return s
            }
            func name() throws(ConfigFile.Error) -> String {
                let s = try string()
                guard !s.isEmpty, !s.contains("/"), !s.contains("\0"), s != "..", s != "." else {
                    throw fail("expected a name without '/', found \(entry.text)")
                }
                return s
            }
            func integer(_ range: ClosedRange<Int>) throws(ConfigFile.Error) -> Int {
                guard case .integer(let n) = entry.value else { throw fail("expected an integer, found \(found)") }
                guard range.contains(n) else { throw fail("expected an integer in \(range.lowerBound)...\(range.upperBound), found \(n)") }
                return n
            }
            func template() throws(ConfigFile.Error) -> URLTemplate {
                let s = try string()
                do { return try URLTemplate(s) } catch { throw fail("\(error)") }
            }
            switch entry.key {
            case "owner": owner = try name(); sawOwner = true
            case "repository": repository = try name(); sawRepository = true
            case "branch": branch = try name()
            case "aliases":
                guard case .strings(let list) = entry.value else { throw fail("expected an array of strings, found \(found)") }
                fileAliases = list
            case "mirror_url": mirrorForm = try template()
            case "cdn_url": cdnForm = try template()
            case "image_url":
                let s = try string()
                guard let form = ImageLinkForm(rawValue: s) else { throw fail("expected \"cdn\" or \"blob\", found \(entry.text)") }
                imageLinkForm = form
            case "pages":
                let s = try string()
                do { _ = try ArchivePath(s) } catch { throw fail("\(error)") }
                pagesFolder = s
            // The ranges the renderer accepts: a value it would refuse is refused here, naming the key.
            case "qr.scale": qr.scale = try integer(QROptions.scales)
            case "qr.margin": qr.margin = try integer(QROptions.margins)
            case "qr.level":
                guard let level = ErrorCorrectionLevel(rawValue: try string()) else {
                    throw fail("expected one of \"L\", \"M\", \"Q\", \"H\", found \(entry.text)")
                }
                qr.level = level
            case "qr.png_style":
                guard let style = QROptions.PNGStyle(rawValue: try string()) else {
                    throw fail("expected \"compact\" or \"qrencode\", found \(entry.text)")
                }
                qr.pngStyle = style
            // Up to 1 GiB: a cap is there to bound what one file can make a command allocate.
            case "limits.page_bytes": limits.pageBytes = try integer(1024...(1 << 30))
            case "limits.png_bytes": limits.pngBytes = try integer(1024...(1 << 30))
            default:
                throw fail("unknown key (known keys: \(ArchiveConfig.knownKeys.joined(separator: ", ")))")
            }
        }
        aliases = ArchiveConfig.aliases(listed: fileAliases ?? [], owner: owner, repository: repository, inferred: fallback)
        if fallback == nil && (!sawOwner || !sawRepository) {
            throw ConfigFile.Error(file: file, line: 1, key: sawOwner ? "repository" : "owner",
                                   message: "missing, and it cannot be inferred from the pages' footers")
        }
    }

    /// The old names of the repository `owner/repository`: the file's list, then what the footers
    /// say. Footers under the same owner name this repository, under an earlier name when the file
    /// names a new one, so that name is kept; under another owner they name a sibling archive,
    /// whose names are never this one's aliases. The current name is never its own alias.
    static func aliases(listed: [String], owner: String, repository: String, inferred: ArchiveConfig?) -> [String] {
        var names = listed
        if let inferred, !inferred.repository.isEmpty, inferred.owner.lowercased() == owner.lowercased() {
            names += [inferred.repository] + inferred.aliases
        }
        var seen: Set<String> = [repository.lowercased()]
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    /// Reads `<archive>/sharemark.toml`, or returns nil when there is none.
    public static func load(archive: String, fallback: ArchiveConfig? = nil) throws(ConfigFile.Error) -> ArchiveConfig? {
        guard let bytes = try fileBytes(archive: archive) else { return nil }
        return try ArchiveConfig(parsing: ConfigFile.text(of: bytes, file: fileName), file: fileName, fallback: fallback)
    }

    /// The aliases `sharemark.toml` lists (not those inferred from footers); empty without a
    /// file or an `aliases` key.
    public static func recordedAliases(archive: String) throws(ConfigFile.Error) -> [String] {
        guard let bytes = try fileBytes(archive: archive) else { return [] }
        let file = try ConfigFile(parsing: ConfigFile.text(of: bytes, file: fileName), file: fileName)
        guard case .strings(let list)? = file.entries.first(where: { $0.key == "aliases" })?.value else { return [] }
        return list
    }

    /// The most bytes of `sharemark.toml` read: a configuration is a few hundred.
    public static let maxFileBytes = 1 << 20

    /// The bytes of `<archive>/sharemark.toml` (nil when there is none), read without
    /// following a link and at most `maxFileBytes`.
    public static func fileBytes(archive: String) throws(ConfigFile.Error) -> [UInt8]? {
        switch ConfinedPath.read(archive: archive, relative: fileName, limit: maxFileBytes) {
        case .success(let bytes): return bytes
        case .failure(let failure) where failure.isMissing: return nil
        case .failure(let failure): throw ConfigFile.Error(file: fileName, line: 1, key: nil, message: "\(failure)")
        }
    }

    /// Infers owner, repository and branch by majority over the mirror URLs seen in the pages'
    /// footers (other repository names of the same owner become aliases), the image link form
    /// by majority over the footers' image URLs (none: the CDN form; a tie: undecided), and the
    /// footer style by majority over the footers' styles (ties go to the first in the list).
    /// With no mirror URL at all, owner and repository stay empty: unknown, not invented.
    public static func inferred(from mirrors: [(owner: String, repository: String, branch: String, count: Int)],
                                imageLinks: [ImageLinkForm: Int] = [:],
                                styles: [(style: FooterStyle, count: Int)] = []) -> ArchiveConfig {
        var config = ArchiveConfig(owner: "", repository: "", source: .defaults)
        let cdn = imageLinks[.cdn] ?? 0, blob = imageLinks[.blob] ?? 0
        config.imageLinkForm = cdn > blob ? .cdn : blob > cdn ? .blob : cdn == 0 ? .cdn : nil
        if let best = styles.enumerated().max(by: { $0.element.count < $1.element.count || ($0.element.count == $1.element.count && $0.offset > $1.offset) }) {
            config.footerStyle = best.element.style
        }
        var owners: [String: Int] = [:]
        for m in mirrors { owners[m.owner, default: 0] += m.count }
        guard let owner = owners.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key else {
            return config
        }
        var repositories: [String: Int] = [:], branches: [String: Int] = [:]
        for m in mirrors where m.owner == owner {
            repositories[m.repository, default: 0] += m.count
            branches[m.branch, default: 0] += m.count
        }
        func best(_ d: [String: Int]) -> String {
            d.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })!.key
        }
        let repository = best(repositories)
        config.owner = owner
        config.repository = repository
        config.branch = best(branches)
        config.aliases = repositories.keys.filter { $0 != repository }.sorted()
        config.source = .inferred
        return config
    }

    /// The configuration as `sharemark.toml` text (every key, so it documents itself).
    public func render() -> String {
        let q = ConfigFile.quoted
        return """
        # Sharemark archive configuration.
        # URL forms take {owner} {repository} {branch} {path}; {path} is relative to the archive root.
        owner = \(q(owner))
        repository = \(q(repository))
        branch = \(q(branch))
        # Old names of the repository: pages written under them are valid but not canonical.
        aliases = [\(aliases.map(q).joined(separator: ", "))]
        mirror_url = \(q(mirrorForm.text))
        cdn_url = \(q(cdnForm.text))
        # How footers link their QR image: "cdn" (cdn_url) or "blob" (mirror_url).
        \(imageLinkForm.map { "image_url = \(q($0.rawValue))" } ?? "# image_url: the footers use both forms equally; choose one")
        pages = \(q(pagesFolder))

        [qr]
        scale = \(qr.scale)
        margin = \(qr.margin)
        level = \(q(qr.level.rawValue))
        # PNG bytes: "compact" (smallest) or "qrencode" (the bytes `qrencode -o` writes).
        png_style = \(q(qr.pngStyle.rawValue))

        [limits]
        # The most bytes read of one page and of one PNG; a larger file is a finding, not read.
        page_bytes = \(limits.pageBytes)
        png_bytes = \(limits.pngBytes)

        """
    }

    /// The canonical mirror URL of an archive path, the path percent-encoded
    /// (`PageAddress.encoded`); nil when the repository is unknown.
    public func mirrorURL(path: String) -> String? {
        guard knowsRepository else { return nil }
        return mirrorForm.render(owner: owner, repository: repository, branch: branch, path: PageAddress.encoded(path))
    }

    /// The canonical URL of a QR image in `form`; nil when the repository is unknown.
    public func imageURL(path: String, form: ImageLinkForm) -> String? {
        guard knowsRepository else { return nil }
        let template = form == .cdn ? cdnForm : mirrorForm
        return template.render(owner: owner, repository: repository, branch: branch, path: PageAddress.encoded(path))
    }

    /// The canonical URL of a QR image in the archive's form; nil when the repository is
    /// unknown or the form undecided.
    public func imageURL(path: String) -> String? {
        imageLinkForm.flatMap { imageURL(path: path, form: $0) }
    }

    /// The form of an image URL as written: `cdn_url`'s, `mirror_url`'s, or neither.
    public func imageLinkForm(of url: String) -> ImageLinkForm? {
        if cdnForm.match(url) != nil { return .cdn }
        if mirrorForm.match(url) != nil { return .blob }
        return nil
    }

    /// Whether a repository name is this archive's, under its current or an old name.
    public func isOwnRepository(owner: String, repository: String) -> Bool {
        owner.lowercased() == self.owner.lowercased()
            && (repository == self.repository || aliases.contains(repository))
    }
}

/// Edits of a `sharemark.toml` that keep every other byte of its text (comments, order, the
/// way each key is spelt).
public enum ConfigEdit {
    /// `text` with `key` (dotted, as `ConfigFile` names it: `image_url`, `qr.scale`) set to
    /// `value` (TOML text). The value is replaced where the parser found it, whether the key is
    /// written bare, quoted, dotted, under a `[table]` or in an inline table; a key not there is
    /// added as a line of its own at the top, after the leading comments (a top-level key must
    /// come before the first table). The result is parsed again and must hold `key = value`
    /// with every other entry as it was; otherwise this throws and the caller keeps the old file.
    public static func setting(_ key: String, to value: String, in text: String,
                               file: String = ArchiveConfig.fileName) throws(ConfigFile.Error) -> String {
        let before = try ConfigFile(parsing: text, file: file)
        var scalars = Array(text.unicodeScalars)
        if let entry = before.entries.first(where: { $0.key == key }), !entry.valueScalars.isEmpty {
            scalars.replaceSubrange(entry.valueScalars, with: value.unicodeScalars)
        } else {
            guard !key.contains("."), !key.contains("\"") else {
                throw ConfigFile.Error(file: file, line: 1, key: key, message: "not in the file, and only a top-level key is added")
            }
            // After the leading lines that are blank or comments (and a BOM).
            var at = scalars.first == "\u{FEFF}" ? 1 : 0
            var lineStart = at
            while lineStart < scalars.count {
                var end = lineStart
                while end < scalars.count && scalars[end] != "\n" { end += 1 }
                let line = String(String.UnicodeScalarView(scalars[lineStart..<end])).trimmed()
                guard line.isEmpty || line.hasPrefix("#") else { break }
                lineStart = min(end + 1, scalars.count)
                at = lineStart
            }
            let newline = text.contains("\r\n") ? "\r\n" : "\n"
            var insertion = "\(key) = \(value)\(newline)"
            // A file whose last line has no newline, all comments: the key goes on a line of its own.
            if at == scalars.count, let last = scalars.last, last != "\n" { insertion = newline + insertion }
            scalars.insert(contentsOf: insertion.unicodeScalars, at: at)
        }
        let result = String(String.UnicodeScalarView(scalars))
        let after = try ConfigFile(parsing: result, file: file)
        let expected = try ConfigFile(parsing: "v = \(value)", file: file).entries.map(\.value)
        let others = { (entries: [ConfigFile.Entry]) in entries.filter { $0.key != key }.map { "\($0.key)=\($0.value)" } }
        guard after.entries.filter({ $0.key == key }).map(\.value) == expected, others(after.entries) == others(before.entries) else {
            throw ConfigFile.Error(file: file, line: 1, key: key, message: "the edit would not read back as \(key) = \(value); the file is left as it is")
        }
        return result
    }

    /// Sets each of `settings` (key, TOML value text) in `<archive>/sharemark.toml`, or writes
    /// `created` there when there is no such file. The new text is checked (`setting`) before
    /// the file is replaced, atomically and without following a link; on any failure the old
    /// file stays. Throws `ConfigFile.Error` (the edit) or `AtomicFile.WriteError` (the write).
    public static func apply(_ settings: [(key: String, value: String)], archive: String,
                             created: () -> String) throws -> String {
        var text: String
        if let bytes = try ArchiveConfig.fileBytes(archive: archive) {
            text = try ConfigFile.text(of: bytes, file: ArchiveConfig.fileName)
            for (key, value) in settings { text = try setting(key, to: value, in: text) }
        } else {
            text = created()
            _ = try ConfigFile(parsing: text, file: ArchiveConfig.fileName)
        }
        try AtomicFile.Folder(archive: archive, relative: "").write(Array(text.utf8), name: ArchiveConfig.fileName)
        return text
    }

    /// A TOML array of basic strings.
    public static func stringArray(_ items: [String]) -> String {
        "[" + items.map { ConfigFile.quoted($0) }.joined(separator: ", ") + "]"
    }
}
