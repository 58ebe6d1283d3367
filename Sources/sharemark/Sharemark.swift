import ArgumentParser
import SharemarkArchive
import SharemarkQR

@main
struct Sharemark: AsyncParsableCommand {
    /// Sharemark's own version: the first line of `--version`, and the Debian package version.
    static let version = "0.1.0"

    /// `--version`: Sharemark's version, then the C libraries it runs with, as they report
    /// their versions at run time (read once, at start-up).
    static let versionText = """
        \(version)
        libqrencode \(LibraryVersions.qrencode)
        libpng \(LibraryVersions.png)
        zlib \(LibraryVersions.zlib)
        SQLite \(ArchiveIndex.sqliteVersion)
        """

    static let configuration = CommandConfiguration(
        commandName: "sharemark",
        abstract: "Share links and QR codes for the pages of a Markdown mirror archive.",
        discussion: """
            What Sharemark writes in an archive: each page's own QR image, <page>.png beside it (never a file a footer's \
            image link names), repaired pages (fix), sharemark.toml (init, fix --image-url) and its own folder .sharemark/ \
            (index, lock). Every such file is reached from the archive root without following a symbolic link: a linked \
            folder, or a link where a PNG belongs, is reported, never written through or replaced. Pages over 16 MiB and PNGs \
            over 4 MiB ([limits] in sharemark.toml) are reported, not read.

            URLs carry the page's path percent-encoded: a file name with ?, #, %, a space or & is linked as \
            pages/qs/%3Fp=4411.md, which reaches the page; a footer with a raw ? or # in the path opens the folder on the \
            git host (finding link-opens-folder), and fix rewrites it with a QR code of the working URL.
            """,
        version: versionText,
        subcommands: [
            IndexCommand.self, LookupCommand.self, SearchCommand.self, RegenCommand.self,
            VerifyCommand.self, ServeCommand.self, QRCommand.self, ExportCommand.self,
            InitCommand.self, FixCommand.self,
        ])
}
