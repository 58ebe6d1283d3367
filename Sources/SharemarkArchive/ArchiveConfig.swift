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
}
