import Testing
@testable import SharemarkArchive
import SharemarkQR

@Suite struct ConfigTests {
    @Test func parsesEveryKey() throws {
        let config = try ArchiveConfig(parsing: """
            # comment
            owner = "example-org"   # trailing comment
            repository = 'mirror'
            branch = "main"
            aliases = [
              "old-mirror",  # the first name
              "older#name",
            ]
            mirror_url = "https://github.com/{owner}/{repository}/blob/{branch}/{path}"
            pages = "pages"

            [qr]
            scale = 8
            margin = 2
            level = "M"
            """)
        #expect(config.owner == "example-org" && config.repository == "mirror" && config.branch == "main")
        #expect(config.aliases == ["old-mirror", "older#name"])
        #expect(config.qr == QROptions(level: .M, scale: 8, margin: 2))
        #expect(config.source == .file)
        #expect(config.mirrorURL(path: "pages/a/b.md") == "https://github.com/example-org/mirror/blob/main/pages/a/b.md")
    }

    @Test func errorsNameFileLineAndKey() {
        func error(_ text: String) -> String {
            do { _ = try ArchiveConfig(parsing: text); return "no error" } catch { return error.description }
        }
        #expect(error("owner = \"o\"\nrepository = \"r\"\n[qr]\nscale = \"four\"") ==
                "sharemark.toml:4: key 'qr.scale': expected an integer, found a string \"four\"")
        #expect(error("owner = \"o\"\nrepository = \"r\"\ncolour = 1").hasPrefix("sharemark.toml:3: key 'colour': unknown key"))
        #expect(error("owner = \"o\"\nrepository = \"r\"\n[qr]\nlevel = \"X\"").hasPrefix("sharemark.toml:4: key 'qr.level': expected one of"))
        #expect(error("owner = o") .hasPrefix("sharemark.toml:1: key 'owner': invalid value o"))
        #expect(error("owner = \"o\nrepository = \"r\"") == "sharemark.toml:1: key 'owner': unterminated string")
        #expect(error("owner = \"o\"\nowner = \"p\"") == "sharemark.toml:2: key 'owner': defined twice (first on line 1)")
        #expect(error("owner = \"o\"\nrepository = \"r\"\naliases = [1]").hasPrefix("sharemark.toml:3: key 'aliases': expected an array of strings"))
        #expect(error("owner = \"o\"\nrepository = \"r\"\n[qr\n").hasPrefix("sharemark.toml:3: malformed table header"))
        #expect(error("owner = \"o\"\nrepository = \"r\"\nmirror_url = \"https://x/{nope}\"").contains("unknown placeholder {nope}"))
        #expect(error("owner = \"o\"\nrepository = \"r\"\n[qr]\nscale = true").contains("expected an integer, found a boolean true"))
        #expect(error("owner = \"o\"").hasPrefix("sharemark.toml:1: key 'repository': missing"))
    }

    @Test func inferenceAndRenderRoundTrip() throws {
        let config = ArchiveConfig.inferred(from: [
            ("example-org", "mirror", "master", 30), ("example-org", "old-mirror", "master", 5),
            ("someone-else", "fork", "main", 2),
        ], imageLinks: [.cdn: 3, .blob: 32])
        #expect(config.owner == "example-org" && config.repository == "mirror" && config.branch == "master")
        #expect(config.aliases == ["old-mirror"])
        #expect(config.source == .inferred)
        #expect(config.imageLinkForm == .blob)
        #expect(config.render().contains("\nimage_url = \"blob\"\n"))
        var reread = try ArchiveConfig(parsing: config.render())
        reread.source = .inferred
        #expect(reread == config)
        // Nothing to infer from: no repository is invented, no URL can be made.
        let empty = ArchiveConfig.inferred(from: [])
        #expect(empty.owner == "" && empty.repository == "" && empty.source == .defaults && !empty.knowsRepository)
        #expect(empty.mirrorURL(path: "pages/a/b.md") == nil && empty.imageURL(path: "pages/a/b.md.png") == nil)
        #expect(empty.imageLinkForm == .cdn && empty.footerStyle == .standard)
    }

    @Test func aliasesOverInferredNamesKeepOnlyThisOwnersNames() throws {
        let inferred = ArchiveConfig.inferred(from: [
            ("example-org", "mirror", "master", 30), ("example-org", "old-mirror", "master", 5),
        ])
        #expect(inferred.aliases == ["old-mirror"])
        // No name in the file: the footers' old name stays an alias.
        #expect(try ArchiveConfig(parsing: "branch = \"main\"\n", fallback: inferred).aliases == ["old-mirror"])
        // The file renames the repository: the name the footers use is now an old name too.
        let renamed = try ArchiveConfig(parsing: "repository = \"news\"\naliases = [\"older\"]\n", fallback: inferred)
        #expect(renamed.repository == "news" && renamed.aliases == ["older", "mirror", "old-mirror"])
        // Another owner: the footers name a sibling archive, none of whose names is an alias.
        let other = try ArchiveConfig(parsing: "owner = \"o\"\nrepository = \"r\"\n", fallback: inferred)
        #expect(other.aliases == [])
        // Back to an old name: it is the current name, not its own alias; case does not make a second name.
        let back = try ArchiveConfig(parsing: "repository = \"Old-Mirror\"\naliases = [\"MIRROR\"]\n", fallback: inferred)
        #expect(back.aliases == ["MIRROR"])
    }

    @Test func imageLinkFormIsTheMajorityUndecidedOnATie() throws {
        let mirrors = [(owner: "o", repository: "r", branch: "master", count: 4)]
        #expect(ArchiveConfig.inferred(from: mirrors, imageLinks: [.cdn: 3, .blob: 1]).imageLinkForm == .cdn)
        #expect(ArchiveConfig.inferred(from: mirrors, imageLinks: [.blob: 4]).imageLinkForm == .blob)
        #expect(ArchiveConfig.inferred(from: mirrors, imageLinks: [.cdn: 2, .blob: 2]).imageLinkForm == nil)
        #expect(ArchiveConfig.inferred(from: mirrors, imageLinks: [:]).imageLinkForm == .cdn)
        let tie = ArchiveConfig.inferred(from: mirrors, imageLinks: [.cdn: 2, .blob: 2])
        #expect(tie.imageURL(path: "pages/a/b.md.png") == nil)
        #expect(tie.imageURL(path: "pages/a/b.md.png", form: .blob) == "https://github.com/o/r/blob/master/pages/a/b.md.png")
        // The file decides over the footers.
        let file = try ArchiveConfig(parsing: "image_url = \"cdn\"\n", fallback: tie)
        #expect(file.imageLinkForm == .cdn)
        #expect(file.imageURL(path: "pages/a/b.md.png") == "https://cdn.jsdelivr.net/gh/o/r/pages/a/b.md.png")
        #expect(throws: ConfigFile.Error.self) { try ArchiveConfig(parsing: "image_url = \"legacy\"\n", fallback: tie) }
    }

    @Test func configEditKeepsTheRestOfTheFile() throws {
        // A key not there goes on a line of its own at the top, after the leading comments.
        let text = "# mine\nowner = \"o\"  # keep\nrepository = \"r\"\n\n[qr]\nscale = 4\n"
        #expect(try ConfigEdit.setting("image_url", to: "\"blob\"", in: text)
                == "# mine\nimage_url = \"blob\"\nowner = \"o\"  # keep\nrepository = \"r\"\n\n[qr]\nscale = 4\n")
        #expect(try ConfigEdit.setting("image_url", to: "\"blob\"", in: "owner = \"o\"") == "image_url = \"blob\"\nowner = \"o\"")
        #expect(try ConfigEdit.setting("image_url", to: "\"blob\"", in: "# only a comment") == "# only a comment\nimage_url = \"blob\"\n")
    }

    /// Each key spelt every way TOML allows: the value changes where it stands, every other
    /// byte stays, and the result reads back as asked.
    @Test(arguments: [
        ("image_url", "image_url = \"cdn\"\n", "image_url = \"blob\"\n"),
        ("image_url", "\"image_url\" = \"cdn\"  # form\n", "\"image_url\" = \"blob\"  # form\n"),
        ("image_url", "'image_url'='cdn'\r\nowner = \"o\"\r\n", "'image_url'=\"blob\"\r\nowner = \"o\"\r\n"),
        ("qr.scale", "[qr]\nscale = 4 # px\nmargin = 2\n", "[qr]\nscale = 6 # px\nmargin = 2\n"),
        ("qr.scale", "qr.scale = 4\n", "qr.scale = 6\n"),
        ("qr.scale", "\"qr\" . 'scale' = 4\n", "\"qr\" . 'scale' = 6\n"),
        ("qr.scale", "qr = { margin = 2, scale = 4 }\n", "qr = { margin = 2, scale = 6 }\n"),
        ("aliases", "aliases = [\n  \"a\", # first\n]\nowner = \"o\"\n", "aliases = [\"a\", \"b\"]\nowner = \"o\"\n"),
        ("aliases", "\u{FEFF}# c\n\"aliases\" = []\n", "\u{FEFF}# c\n\"aliases\" = [\"a\", \"b\"]\n"),
    ])
    func configEditChangesTheKeyWhereItIsWritten(key: String, text: String, expected: String) throws {
        let value = key == "aliases" ? ConfigEdit.stringArray(["a", "b"]) : key == "qr.scale" ? "6" : ConfigFile.quoted("blob")
        let result = try ConfigEdit.setting(key, to: value, in: text)
        #expect(result == expected)
        let entries = try ConfigFile(parsing: result, file: "t").entries
        let edited = try #require(entries.first { $0.key == key })
        #expect(edited.value == (try ConfigFile(parsing: "v = \(value)", file: "t").entries[0].value))
    }

    @Test func configEditRefusesWhatWouldNotReadBack() {
        // A file that does not parse, and a value that is no TOML: the caller keeps the old file.
        #expect(throws: ConfigFile.Error.self) { try ConfigEdit.setting("image_url", to: "\"blob\"", in: "owner = \n") }
        #expect(throws: ConfigFile.Error.self) { try ConfigEdit.setting("image_url", to: "blob", in: "image_url = \"cdn\"\n") }
        // A dotted key not in the file is not guessed into a table.
        #expect(throws: ConfigFile.Error.self) { try ConfigEdit.setting("qr.scale", to: "6", in: "owner = \"o\"\n") }
    }

    @Test func templatesMatchAndRender() throws {
        let mirror = URLTemplate.defaultMirror
        let parts = try #require(mirror.match("http://github.com/o/r/blob/main/pages/a/b.md?t=1#x"))
        #expect(parts == URLTemplate.Parts(owner: "o", repository: "r", branch: "main", path: "pages/a/b.md"))
        let cdn = try #require(URLTemplate.defaultCDN.match("https://cdn.jsdelivr.net/gh/o/r@dev/pages/a/b.md.png"))
        #expect(cdn.repository == "r" && cdn.branch == "dev" && cdn.path == "pages/a/b.md.png")
        #expect(mirror.match("https://example.com/gb/21/5/20/n1.htm") == nil)
        #expect(URLText.dateFromOriginalURL("https://www.x.com/gb/21/5/20/n1.htm") == "2021-05-20")
        #expect(URLText.dateFromOriginalURL("https://www.x.com/gb/2019/05/31/a.html") == "2019-05-31")
        #expect(URLText.dateFromOriginalURL("https://www.x.com/gb/tag/a.html") == nil)
        #expect(URLText.dateFromOriginalURL("http://x.com/a/gb/2015/4/15/river834.html?x=1") == "2015-04-15")
        #expect(URLText.dateFromOriginalURL("https://www.x.com/gb/21/+5/20/n1.htm") == nil)
        #expect(URLText.dateFromOriginalURL("https://www.x.com/gb/21/13/20/n1.htm") == nil)
        #expect(URLText.dateFromOriginalURL("https://www.x.com/gb/215/5/20/n1.htm") == nil)
        #expect(URLText.dateFromOriginalURL("https://www.x.com/gb/21/5/20") == nil)
        #expect(URLText.originalKey("http://WWW.X.com/a/b.htm?x#y") == URLText.originalKey("https://x.com/a/b.htm"))
    }
}
