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
        version: versionText,
        subcommands: [
            IndexCommand.self, LookupCommand.self, SearchCommand.self, RegenCommand.self,
            VerifyCommand.self, ServeCommand.self, QRCommand.self, ExportCommand.self,
            InitCommand.self, FixCommand.self,
        ])
}
