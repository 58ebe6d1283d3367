import Foundation
import SharemarkArchive
import SharemarkQR
import SharemarkTestSupport
import Testing

/// `sharemark --version` names the C libraries it runs with, and their versions are those of
/// the libraries installed (as `pkg-config --modversion` reports them).
@Suite
struct VersionTests {
    /// The name `--version` prints for each library, and its pkg-config module.
    static let libraries = [("libqrencode", "libqrencode"), ("libpng", "libpng"), ("zlib", "zlib"),
                            ("SQLite", "sqlite3")]

    static func installedVersion(_ module: String) throws -> String {
        let output = try Run.run(["pkg-config", "--modversion", module])
        guard output.status == 0 else { throw Run.Failure("pkg-config --modversion \(module): \(output.err)") }
        return output.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func versionNamesEachLibraryWithItsInstalledVersion() throws {
        let output = try Run.run([try Run.sharemark(), "--version"])
        #expect(output.status == 0, "\(output.err)")
        let lines = output.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.range(of: #"^\d+\.\d+\.\d+$"#, options: .regularExpression) != nil,
                "the first line is Sharemark's version: \(output.out)")
        for (name, module) in Self.libraries {
            let installed = try Self.installedVersion(module)
            #expect(lines.contains("\(name) \(installed)"),
                    "--version should say \"\(name) \(installed)\" (pkg-config \(module)): \(output.out)")
        }
    }

    @Test func libraryAccessorsReportTheRunTimeVersions() throws {
        #expect(LibraryVersions.qrencode == (try Self.installedVersion("libqrencode")))
        #expect(LibraryVersions.png == (try Self.installedVersion("libpng")))
        #expect(LibraryVersions.zlib == (try Self.installedVersion("zlib")))
        #expect(ArchiveIndex.sqliteVersion == (try Self.installedVersion("sqlite3")))
    }
}
