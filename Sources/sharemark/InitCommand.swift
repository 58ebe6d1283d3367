import ArgumentParser
import Foundation
import SharemarkArchive

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write sharemark.toml with what the pages' footers show.")

    @OptionGroup var options: ArchiveOptions
    @Flag(help: "Replace an existing sharemark.toml.") var force = false

    func run() throws {
        try reportingErrors {
            let path = URL(fileURLWithPath: options.archive).appendingPathComponent(ArchiveConfig.fileName).path
            if FileManager.default.fileExists(atPath: path) && !force {
                throw CLIError("\(path) exists; use --force to replace it", code: 73)
            }
            if force { try? FileManager.default.removeItem(atPath: path) }
            let (index, _) = try options.openUpdatedIndex()
            var config = index.config
            config.source = .inferred
            do { try AtomicFile.write(Array(config.render().utf8), to: path) } catch {
                throw CLIError("\(error)", code: 73)
            }
            print("wrote \(path): \(config.owner)/\(config.repository) (\(config.branch))"
                  + (config.aliases.isEmpty ? "" : ", old names: \(config.aliases.joined(separator: ", "))"))
        }
    }
}
