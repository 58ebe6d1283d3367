import ArgumentParser
import Foundation
import SharemarkArchive
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What every archive command takes: the archive folder and where its index lives.
struct ArchiveOptions: ParsableArguments {
    @Argument(help: "The archive folder (default: the current folder).")
    var archive: String = "."

    @Option(help: ArgumentHelp("The index file (default: ARCHIVE/.sharemark/index.sqlite).", valueName: "path"))
    var index: String?

    /// Opens the index and brings it up to date, showing progress on a terminal.
    func openUpdatedIndex() throws -> (ArchiveIndex, ArchiveIndex.UpdateSummary) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: archive, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("no archive folder at \(archive)", code: 66)
        }
        do {
            let index = try ArchiveIndex(archive: archive, indexPath: self.index)
            let display = ProgressDisplay(enabled: isatty(2) == 1)
            var progress: (@Sendable (ArchiveIndex.UpdateProgress) -> Void)? = nil
            if display.enabled { progress = { display.show($0) } }
            let summary = try index.update(progress: progress)
            display.finish()
            return (index, summary)
        } catch let error as ConfigFile.Error {
            throw CLIError("\(error)", code: 78)
        }
    }
}

/// An error with a message for standard error and an exit code.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    init(_ message: String, code: Int32 = 1) { self.message = message; self.code = code }
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning a `CLIError` into its message on standard error and its exit code.
    func reportingErrors(_ body: () throws -> Void) throws {
        do { try body() } catch let error as CLIError {
            printError("sharemark: \(error.message)")
            throw ExitCode(error.code)
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A one-line progress display on standard error, redrawn at most ten times a second.
final class ProgressDisplay: Sendable {
    let enabled: Bool
    private let last = Mutex<UInt64>(0)

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: ArchiveIndex.UpdateProgress) {
        let now = DispatchTime.now().uptimeNanoseconds
        let text: String
        switch progress {
        case .scanned(let pages, let assets): text = "scanned \(pages) pages, \(assets) PNGs"
        case .parsing(let done, let total):
            let shouldDraw = last.withLock { last -> Bool in
                guard now - last > 100_000_000 || done == total else { return false }
                last = now
                return true
            }
            guard shouldDraw else { return }
            text = "reading pages \(done)/\(total) (\(total > 0 ? done * 100 / total : 100)%)"
        case .writing: text = "writing the index…"
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// JSON with sorted keys and readable layout.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
