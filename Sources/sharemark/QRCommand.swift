#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import SharemarkArchive
import SharemarkQR

/// `sharemark qr`: one QR code (PNG, SVG or terminal text), or a batch of PNGs, with the options
/// and defaults of `qrencode` (except scale 4, the archives' size).
struct QRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Encode text as a QR code (PNG, SVG or terminal text), as qrencode does.",
        discussion: """
        Without -o, writes terminal text when standard output is a terminal and PNG otherwise.
        The symbol version option is -v/--symbol-version (--version is the program's version).
        Exit status: 0 done, 1 data error (e.g. input too long), 64 usage error.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case png, svg, utf8, ansi
    }

    @Argument(help: "The text to encode; '-' reads standard input as raw bytes.")
    var text: String?

    @Option(name: .shortAndLong, help: "Output file; '-' is standard output.")
    var output: String?

    @Option(help: "Output format: png, svg, utf8 or ansi (default: png, or utf8 on a terminal).")
    var format: Format?

    @Option(name: .shortAndLong, help: "Pixels per module.")
    var scale = 4

    @Option(name: .shortAndLong, help: "Quiet zone width in modules.")
    var margin = 4

    @Option(name: .shortAndLong, help: "Error-correction level: L, M, Q or H.")
    var level = "L"

    @Option(name: [.customShort("v"), .customLong("symbol-version")],
            help: "Minimum symbol version 1...40 (default: the smallest that fits).")
    var symbolVersion: Int?

    @Flag(name: [.customShort("8"), .customLong("binary")], help: "Encode the input as bytes in 8-bit mode (qrencode -8).")
    var binary = false

    @Option(help: "Foreground colour RRGGBB or RRGGBBAA.")
    var foreground = "000000"

    @Option(help: "Background colour RRGGBB or RRGGBBAA.")
    var background = "ffffff"

    @Option(help: "Resolution written into PNG files (pHYs).")
    var dpi: Int?

    @Option(help: ArgumentHelp("PNG bytes: compact (the smallest file) or qrencode (the very bytes qrencode -o writes); the pixels are the same.",
                               valueName: "style"))
    var pngStyle: QROptions.PNGStyle = .compact

    @Option(help: "Read one payload per line from FILE and write DIR/<line>.png for each.")
    var batch: String?

    @Option(name: .customLong("output-dir"), help: "Folder for --batch output.")
    var outputDirectory: String?

    func validate() throws {
        if batch == nil && text == nil { throw ValidationError("give TEXT, '-' for standard input, or --batch FILE") }
        if batch != nil && text != nil { throw ValidationError("give either TEXT or --batch FILE, not both") }
        if batch != nil && outputDirectory == nil { throw ValidationError("--batch needs --output-dir DIR") }
        if batch != nil, let format, format != .png { throw ValidationError("--batch writes PNG only") }
        if ErrorCorrectionLevel(name: level) == nil { throw ValidationError("level must be L, M, Q or H, not \(level)") }
        do {
            _ = try encoder()
            try renderOptions().validate()
            if let symbolVersion, !QREncoder.versions.contains(symbolVersion) {
                throw QRError.versionOutOfRange(symbolVersion)
            }
        } catch let error as QRError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let encoder = try encoder()
        let options = try renderOptions()
        if let batch, let outputDirectory {
            try runBatch(file: batch, directory: outputDirectory, encoder: encoder, options: options)
            return
        }
        let input: [UInt8] = text == "-" ? readStandardInput() : Array((text ?? "").utf8)
        do {
            let symbol = binary ? try encoder.encode(bytes: input) : try encoder.encode(textBytes: input)
            let toStdout = output == nil || output == "-"
            let format = self.format ?? (output == nil && isatty(STDOUT_FILENO) == 1 ? .utf8 : .png)
            let bytes: [UInt8]
            switch format {
            case .png: bytes = try PNGRenderer(options: options).render(symbol)
            case .svg: bytes = Array(try SVGRenderer(options: options).render(symbol).utf8)
            case .utf8: bytes = Array(try TerminalRenderer(style: .utf8, margin: margin).render(symbol).utf8)
            case .ansi: bytes = Array(try TerminalRenderer(style: .ansiUTF8, margin: margin).render(symbol).utf8)
            }
            if toStdout {
                FileHandle.standardOutput.write(Data(bytes))
            } else {
                try AtomicFile.write(bytes, to: output!)
            }
        } catch {
            fail("\(error)")
        }
    }

    /// Renders every line of `file` in this process: encode, PNG, atomic rename. The folder is
    /// synced once at the end rather than file by file (see AtomicFile).
    private func runBatch(file: String, directory: String, encoder: QREncoder, options: QROptions) throws {
        guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
        // One compression pass per image, as regen does: bulk writing (see PNGRenderer.Compression).
        let renderer = PNGRenderer(options: options, compression: .fast)
        let output = AtomicFile.Folder(directory)
        var failures = 0
        var lineNumber = 0
        for var line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            // A final newline ends the last line; it does not start an empty one.
            if line.isEmpty && lineNumber > 1 && line.startIndex == data.endIndex { break }
            do {
                let payload = Array(line)
                let symbol = binary ? try encoder.encode(bytes: payload) : try encoder.encode(textBytes: payload)
                try output.write(try renderer.render(symbol), name: "\(lineNumber).png")
            } catch {
                failures += 1
                printError("\(file):\(lineNumber): \(error)")
            }
        }
        AtomicFile.syncDirectories([directory])
        if failures > 0 { fail("\(failures) of the lines failed") }
    }

    private func encoder() throws -> QREncoder {
        guard let level = ErrorCorrectionLevel(name: level) else { throw ValidationError("bad level \(level)") }
        return QREncoder(level: level, version: symbolVersion)
    }

    private func renderOptions() throws -> QROptions {
        QROptions(scale: scale, margin: margin, foreground: try RGBAColor(hex: foreground),
                  background: try RGBAColor(hex: background), dpi: dpi, pngStyle: pngStyle)
    }

    private func readStandardInput() -> [UInt8] {
        Array(FileHandle.standardInput.readDataToEndOfFile())
    }

    private func printError(_ message: String) {
        FileHandle.standardError.write(Data("sharemark qr: \(message)\n".utf8))
    }

    private func fail(_ message: String) -> Never {
        printError(message)
        Foundation.exit(1)
    }
}

extension QROptions.PNGStyle: ExpressibleByArgument {}
