import ArgumentParser
import Foundation
import SharemarkArchive

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write sharemark.toml with what the pages' footers show, or what the options give.",
        discussion: """
            Without options, the repository, branch and image link form are those most footers use. \
            An archive with no footer at all names its repository with --owner and --repository. \
            --force replaces an existing file: what the footers show is inferred again, and what they cannot show \
            (pages folder, URL forms, QR options) is kept; a file that cannot be read is replaced as if there were none.
            Exit codes: 0 written, 73 the file exists (use --force) or cannot be written, 78 the repository is unknown.
            """)

    @OptionGroup var options: ArchiveOptions
    @Flag(help: "Replace an existing sharemark.toml.") var force = false
    @Option(help: "The repository's owner (default: inferred from the footers).") var owner: String?
    @Option(help: "The repository's name (default: inferred from the footers).") var repository: String?
    @Option(help: "The branch pages are served from (default: inferred, else master).") var branch: String?
    @Option(help: ArgumentHelp("How footers link their QR image: cdn or blob (default: what most footers use).", valueName: "form"))
    var imageURL: ImageLinkForm?

    func validate() throws {
        for (name, value) in [("owner", owner), ("repository", repository), ("branch", branch)] {
            if let value, value.isEmpty || value.contains("/") || value == "." || value == ".." {
                throw ValidationError("--\(name) takes a name without '/', not '\(value)'")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let path = URL(fileURLWithPath: options.archive).appendingPathComponent(ArchiveConfig.fileName).path
            if FileManager.default.fileExists(atPath: path) && !force {
                throw CLIError("\(path) exists; use --force to replace it", code: 73)
            }
            let index: ArchiveIndex
            do {
                (index, _) = try options.openUpdatedIndex()
            } catch let error as CLIError where force && error.code == ArchiveOptions.badConfiguration {
                // --force is how a file that cannot be read is mended: the archive is then read
                // as if it had none (default pages folder and URL forms), and the file replaced.
                FileHandle.standardError.write(Data("sharemark: replacing \(path), which cannot be read: \(error.message)\n".utf8))
                (index, _) = try options.openUpdatedIndex(readingConfigFile: false)
            }
            defer { index.waitForCheckpoint() }
            // What the footers show, without the existing file's settings when it is replaced;
            // what footers cannot show stays as the file has it: where the pages are, the URL
            // forms they were read with, and the QR options.
            var config = try index.inferredConfig()
            let current = index.config
            config.pagesFolder = current.pagesFolder
            config.mirrorForm = current.mirrorForm
            config.cdnForm = current.cdnForm
            config.qr = current.qr
            config.limits = current.limits
            if let owner { config.owner = owner }
            if let repository {
                config.aliases.removeAll { $0 == repository }
                if repository != config.repository, !config.repository.isEmpty { config.aliases.append(config.repository) }
                config.repository = repository
            }
            if let branch { config.branch = branch }
            if let imageURL { config.imageLinkForm = imageURL }
            guard config.knowsRepository else { throw CLIError(ArchiveConfig.unknownRepositoryMessage, code: 78) }
            config.source = .inferred
            // At the archive root, never through a link put in the file's place.
            do { try AtomicFile.Folder(archive: options.archive, relative: "").write(Array(config.render().utf8), name: ArchiveConfig.fileName) } catch {
                throw CLIError("\(error)", code: 73)
            }
            print("wrote \(path): \(config.owner)/\(config.repository) (\(config.branch))"
                  + (config.aliases.isEmpty ? "" : ", old names: \(config.aliases.joined(separator: ", "))")
                  + (config.imageLinkForm.map { ", image links: \($0)" } ?? ""))
        }
    }
}
