import ArgumentParser
import Foundation
import SharemarkArchive
import SharemarkJobs
#if canImport(Glibc)
import Glibc
#endif

/// What every archive command takes: the archive folder and where its index lives.
struct ArchiveOptions: ParsableArguments {
    @Argument(help: "The archive folder (default: the current folder).")
    var archive: String = "."

    @Option(help: ArgumentHelp("The index file (default: ARCHIVE/.sharemark/index.sqlite).", valueName: "path"))
    var index: String?

    /// Fails with exit code 66 (EX_NOINPUT) unless the archive folder exists.
    func requireArchiveFolder() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: archive, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("no archive folder at \(archive)", code: 66)
        }
    }

    /// Takes the archive's lock for commands that write (regen, fix): exit 75 when another
    /// holds it (unless `wait`), 73 when the lock file cannot be made.
    func lock(wait: Bool) throws -> RegenLock {
        do {
            return try RegenLock(archive: archive, wait: wait)
        } catch let held as RegenLock.Held {
            throw CLIError(held.description, code: 75)
        } catch {
            throw CLIError("\(error)", code: 73)
        }
    }

    /// The exit code of a `sharemark.toml` that cannot be read (EX_CONFIG).
    static let badConfiguration: Int32 = 78

    /// Opens the index and brings it up to date, showing progress on a terminal. Without
    /// `readingConfigFile`, as if the archive had no `sharemark.toml`; a file that cannot be
    /// read is a `CLIError` with code `badConfiguration`.
    func openUpdatedIndex(readingConfigFile: Bool = true) throws -> (ArchiveIndex, ArchiveIndex.UpdateSummary) {
        try requireArchiveFolder()
        do {
            let display = TerminalProgress()
            var progress: (@Sendable (ArchiveIndex.UpdateProgress) -> Void)? = nil
            if display.enabled {
                progress = { update in
                    switch update {
                    case .scanned(let pages, let assets): display.show("scanned \(pages) pages, \(assets) PNGs", force: true)
                    case .parsing(let done, let total): display.bar("reading pages", done: done, total: total)
                    case .writing: display.show("writing the index…", force: true)
                    }
                }
            }
            // An index file SQLite cannot use is moved aside and rebuilt: one line says so.
            let (index, summary) = try ArchiveIndex.openUpdated(
                archive: archive, indexPath: self.index, readingConfigFile: readingConfigFile, progress: progress
            ) { moved in
                display.finish()
                printError("sharemark: warning: \(moved)")
            }
            display.finish()
            return (index, summary)
        } catch let error as ConfigFile.Error {
            throw CLIError("\(error)", code: ArchiveOptions.badConfiguration)
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

/// JSON with sorted keys and readable layout, on standard output; a failed write (a full disk,
/// a closed pipe) is a `CLIError` with exit code 74 (EX_IOERR), never a silently cut document.
func printJSON(_ value: some Encodable) throws {
    var bytes = try JSONCoding.prettyEncoder.encode(value)
    bytes.append(0x0A)
    try writeStandardOutput(bytes)
}

/// Writes all of `bytes` to standard output, or throws naming why not.
func writeStandardOutput(_ bytes: Data) throws {
    try writeStandardOutput(Array(bytes))
}

func writeStandardOutput(_ bytes: [UInt8]) throws {
    fflush(nil)  // every stream, stdout included: what print() left buffered goes first
    if let code = writeAll(1, bytes) {
        throw CLIError("cannot write to standard output: \(String(cString: strerror(code)))", code: 74)
    }
}
