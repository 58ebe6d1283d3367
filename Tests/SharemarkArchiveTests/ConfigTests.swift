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

    @Test func configEditKeepsTheRestOfTheFile() {
        let text = "# mine\nowner = \"o\"  # keep\nrepository = \"r\"\n\n[qr]\nscale = 4\n"
        #expect(ConfigEdit.setting("image_url", to: "\"blob\"", in: text)
                == "# mine\nowner = \"o\"  # keep\nrepository = \"r\"\n\nimage_url = \"blob\"\n[qr]\nscale = 4\n")
        let set = "owner = \"o\"\nimage_url = \"cdn\"\n"
        #expect(ConfigEdit.setting("image_url", to: "\"blob\"", in: set) == "owner = \"o\"\nimage_url = \"blob\"\n")
        #expect(ConfigEdit.setting("image_url", to: "\"blob\"", in: "owner = \"o\"") == "owner = \"o\"\nimage_url = \"blob\"\n")
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
