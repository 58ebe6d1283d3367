import Foundation

/// Runs programs for the tests: the oracles (`qrencode`, `zbarimg`, netpbm, Python) and the
/// `sharemark` binary of this build.
///
/// A small Foundation `Process` runner rather than swift-subprocess: the tests that call it are
/// synchronous (many run a program inside `#expect`), and swift-subprocess only offers `async`
/// calls.
public enum Run {
    public struct Output: Sendable {
        /// The exit code, or the signal number when `signalled`.
        public let status: Int32
        public let signalled: Bool
        public let stdout: Data
        public let stderr: Data
        public var out: String { String(decoding: stdout, as: UTF8.self) }
        public var err: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs a program and waits for it. `arguments[0]` is a path, or a name looked up in PATH.
    /// Standard output and standard error are read at the same time, and `stdin` is written
    /// from a third thread, so that no full pipe can block the program or this process.
    public static func run(_ arguments: [String], stdin: Data? = nil,
                           environment: [String: String]? = nil) throws -> Output {
        let process = try prepare(arguments, environment: environment)
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let exited = try process.start()

        let collected = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            collected.set(stderr: err.fileHandleForReading.readDataToEndOfFile())
        }
        if let stdin {
            DispatchQueue.global().async(group: group) {
                // A program that exits without reading all of it is not an error here.
                try? input.fileHandleForWriting.write(contentsOf: stdin)
                try? input.fileHandleForWriting.close()
            }
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        exited.wait()
        return Output(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                      stdout: stdoutData, stderr: collected.stderr)
    }

    /// Runs a bash script (many oracle calls in one process tree).
    public static func bash(_ script: String) throws -> Output { try run(["bash", "-c", script]) }

    /// A `Process` for `arguments`, not yet started: for tests that watch or signal it.
    public static func prepare(_ arguments: [String], environment: [String: String]? = nil) throws -> Process {
        guard let program = arguments.first else { throw Failure("no program to run") }
        _ = ignoreSIGPIPE
        let process = Process()
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(arguments.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
        }
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        return process
    }

    /// The `sharemark` binary of the same build as these tests: it lies in the folder of the
    /// test executable (`.build/<triple>/<configuration>/`), where `swift build` and
    /// `swift test` put it. `SHAREMARK=path` picks another binary on purpose. Throws, with what
    /// to do, when it is missing: a test that needs it fails, it is never skipped.
    public static func sharemark() throws -> String {
        if let chosen = ProcessInfo.processInfo.environment["SHAREMARK"], !chosen.isEmpty {
            guard isExecutableFile(chosen) else { throw Failure("SHAREMARK=\(chosen) is not an executable file") }
            return chosen
        }
        let folder = buildFolder
        let binary = folder + "/sharemark"
        guard isExecutableFile(binary) else {
            throw Failure("""
                the sharemark binary of this build is missing: \(binary) (next to the test executable). \
                Build it with `swift build` (or run the tests with `swift test`, which builds every product).
                """)
        }
        return binary
    }

    /// The folder of the running test executable, symbolic links resolved.
    static var buildFolder: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        // On Darwin the tests are a bundle: <folder>/SharemarkPackageTests.xctest/Contents/MacOS/.
        while url.pathComponents.contains(where: { $0.hasSuffix(".xctest") }) { url.deleteLastPathComponent() }
        return url.path
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }

    /// Writing to a program that has exited must fail with EPIPE, not kill the test process.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(stderr: Data) { lock.withLock { data = stderr } }
        var stderr: Data { lock.withLock { data } }
    }
}

extension Process {
    /// Runs the process; the semaphore is signalled once it has exited and its status is set.
    /// Waiting on it replaces `waitUntilExit()`, which on Linux can miss the exit and spin in
    /// its run loop for good (swiftlang/swift#79881): the termination handler, set before the
    /// start, is called however the exit is noticed.
    public func start() throws -> DispatchSemaphore {
        let exited = DispatchSemaphore(value: 0)
        terminationHandler = { _ in exited.signal() }
        try run()
        return exited
    }
}
