import Foundation
import SharemarkTestSupport
import Testing
@testable import SharemarkQR

/// Our PNGs against `qrencode -o` with the same options, pixel for pixel, decoded by an
/// independent PNG decoder (netpbm's `pngtopnm`) as well as by our own `PNGImage`.
@Suite struct OracleComparisonTests {
    struct Case {
        let index: Int
        let payload: [UInt8]
        /// `qrencode -8`: bytes in 8-bit mode; otherwise text mode.
        let binary: Bool
        let level: ErrorCorrectionLevel
        let version: Int?
        let options: QROptions

        var qrencodeArguments: [String] {
            var arguments = ["-s", "\(options.scale)", "-m", "\(options.margin)", "-l", level.rawValue]
            if binary { arguments.append("-8") }
            if let version { arguments += ["-v", "\(version)"] }
            if let dpi = options.dpi { arguments += ["-d", "\(dpi)"] }
            arguments += ["--foreground=\(options.foreground)", "--background=\(options.background)"]
            return arguments
        }

        func symbol() throws -> QRSymbol {
            let encoder = QREncoder(level: level, version: version)
            return binary ? try encoder.encode(bytes: payload) : try encoder.encode(textBytes: payload)
        }
    }

    static let colours: [(String, String)] = [
        ("000000", "ffffff"), ("000000", "ffffff"), ("000000", "ffffff"), ("1a2b3c", "f0e0d0"),
        ("ff000080", "00ff0040"), ("000000", "ffffff00"), ("123456ff", "abcdefff"), ("ffffff", "000000"),
    ]

    static func cases() throws -> [Case] {
        var cases: [Case] = []
        func add(_ payload: [UInt8], binary: Bool, big: Bool = false) throws {
            let i = cases.count
            let level = ErrorCorrectionLevel.allCases[i % 4]
            let (fg, bg) = colours[i % colours.count]
            // Huge symbols at large scales only make slow, huge files; the geometry is the same.
            let scale = big ? 1 + i % 3 : 1 + i % 10
            let options = QROptions(
                scale: scale, margin: i % 11, foreground: try RGBAColor(hex: fg),
                background: try RGBAColor(hex: bg), dpi: i % 5 == 0 ? 72 + i : nil)
            let version: Int? = i % 7 == 0 ? 1 + i % 12 : nil
            cases.append(Case(index: i, payload: payload, binary: binary, level: level, version: version, options: options))
        }
        // Share links of the archives' own length, many ids and categories.
        for n in 0..<110 { try add(Array(Payloads.archiveURL(n).utf8), binary: false) }
        // Longer links, up to what fits version 40 at each level.
        let lengths = [20, 50, 90, 120, 160, 220, 300, 420, 600, 800, 1000, 1200, 1270, 1500, 1660, 2000, 2330, 2600, 2950]
        for (k, length) in lengths.enumerated() {
            for j in 0..<2 {
                let i = cases.count
                let level = ErrorCorrectionLevel.allCases[i % 4]
                guard length <= QREncoder.maximumByteCount(level: level) else { continue }
                try add(Array(Payloads.archiveURL(k * 2 + j, padTo: length).utf8), binary: false, big: length > 300)
            }
        }
        // CJK UTF-8 text.
        for n in 0..<30 {
            let text = String(repeating: Payloads.cjk, count: 1 + n % 4).prefix(5 + n * 3) + " \(n)"
            try add(Array(text.utf8), binary: false)
        }
        // Binary bytes 0x00–0xFF in 8-bit mode.
        for n in 0..<40 {
            let bytes = (0..<(1 + n * 17)).map { UInt8(($0 * 31 + n) & 0xFF) }
            try add(bytes, binary: true, big: bytes.count > 300)
        }
        return cases
    }

    static func compression(_ index: Int) -> PNGRenderer.Compression {
        index % 3 == 0 ? .fast : .smallest
    }

    @Test func pngPixelsMatchQrencode() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 200)
        let directory = try Oracle.temporaryDirectory("png")
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = "set -e\ncd \(Oracle.quote(directory.path))\n{\n"
        var oursSizes = 0
        for c in cases {
            // Every third case takes the one-pass compression: its pixels must match too.
            let png = try PNGRenderer(options: c.options, compression: Self.compression(c.index)).render(try c.symbol())
            oursSizes += png.count
            try Data(png).write(to: directory.appendingPathComponent("\(c.index).ours.png"))
            try Data(c.payload).write(to: directory.appendingPathComponent("\(c.index).in"))
            let arguments = c.qrencodeArguments.map(Oracle.quote).joined(separator: " ")
            script += "echo \(c.index) \(arguments)\n"
        }
        // One line per case: render with qrencode, then decode both PNGs with pngtopnm.
        script += """
        } | xargs -P 4 -L 1 bash -c 'i=$0; qrencode -r $i.in -o $i.ref.png "$@" \
          && for w in ours ref; do pngtopnm $i.$w.png > $i.$w.pnm && pngtopnm -alpha $i.$w.png > $i.$w.alpha.pgm; done'
        """
        let result = try Run.bash(script)
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")

        var referenceSizes = 0
        for c in cases {
            let file = { (name: String) in try Data(contentsOf: directory.appendingPathComponent("\(c.index).\(name)")) }
            let ours = try file("ours.png"), reference = try file("ref.png")
            referenceSizes += reference.count
            // Independent decoder: colour and alpha planes.
            #expect(try PNM(file("ours.pnm")) == PNM(file("ref.pnm")), "case \(c.index): colour pixels differ")
            #expect(try PNM(file("ours.alpha.pgm")) == PNM(file("ref.alpha.pgm")), "case \(c.index): alpha differs")
            // Our decoder agrees.
            #expect(try PNGImage(pngBytes: ours) == PNGImage(pngBytes: reference), "case \(c.index)")
            if c.options.foreground.isOpaque && c.options.background.isOpaque && Self.compression(c.index) == .smallest {
                #expect(ours.count <= reference.count, "case \(c.index): \(ours.count) > \(reference.count) bytes")
            }
        }
        #expect(oursSizes <= referenceSizes)
    }

    /// The qrencode PNG style writes qrencode's very bytes: every case above (text and 8-bit
    /// data, all four levels, scales 1–10, margins 0–10, opaque and translucent colours, other
    /// DPIs, fixed versions), compared with `cmp`-strictness against `qrencode -o`.
    @Test func qrencodePNGStyleWritesQrencodesBytes() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 200)
        let directory = try Oracle.temporaryDirectory("png-bytes")
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = "set -e\ncd \(Oracle.quote(directory.path))\n{\n"
        for c in cases {
            var options = c.options
            options.pngStyle = .qrencode
            let png = try PNGRenderer(options: options).render(try c.symbol())
            try Data(png).write(to: directory.appendingPathComponent("\(c.index).ours.png"))
            try Data(c.payload).write(to: directory.appendingPathComponent("\(c.index).in"))
            script += "echo \(c.index) \(c.qrencodeArguments.map(Oracle.quote).joined(separator: " "))\n"
        }
        script += """
        } | xargs -P 4 -L 1 bash -c 'i=$0; qrencode -r $i.in -o $i.ref.png "$@"'
        """
        let result = try Run.bash(script)
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        var differing: [Int] = []
        for c in cases {
            let ours = try Data(contentsOf: directory.appendingPathComponent("\(c.index).ours.png"))
            let reference = try Data(contentsOf: directory.appendingPathComponent("\(c.index).ref.png"))
            if ours != reference { differing.append(c.index) }
        }
        #expect(differing.isEmpty, "cases whose bytes differ from qrencode's: \(differing)")
        // And the compact style does differ (the comparison can tell the styles apart).
        let first = try #require(cases.first)
        let compact = try PNGRenderer(options: first.options).render(try first.symbol())
        #expect(Data(compact) != (try Data(contentsOf: directory.appendingPathComponent("\(first.index).ref.png"))))
    }

    @Test func zbarimgDecodesOurPNGs() throws {
        let texts = (0..<22).map { Payloads.archiveURL($0 * 13) }
            + (0..<8).map { String(Payloads.cjk.prefix(4 + $0 * 4)) }
        let directory = try Oracle.temporaryDirectory("zbar")
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = "cd \(Oracle.quote(directory.path))\n"
        for (i, text) in texts.enumerated() {
            let options = QROptions(scale: 2 + i % 4, margin: 2 + i % 4)
            let symbol = try QREncoder(level: ErrorCorrectionLevel.allCases[i % 4]).encode(text)
            try Data(PNGRenderer(options: options).render(symbol)).write(to: directory.appendingPathComponent("\(i).png"))
            // Binary mode: zbarimg would otherwise guess a character set (short CJK as Shift JIS).
            script += "(zbarimg --raw -q -Sbinary \(i).png > \(i).txt) &\n"
        }
        script += "wait\n"
        _ = try Run.bash(script)
        for (i, text) in texts.enumerated() {
            let decoded = try Data(contentsOf: directory.appendingPathComponent("\(i).txt"))
            #expect(decoded == Data(text.utf8) || decoded == Data((text + "\n").utf8),
                    "zbarimg read \(String(decoding: decoded, as: UTF8.self).debugDescription) for \(text.debugDescription)")
        }
    }

    @Test func barcodeScannerDecodesQrencodePNGs() throws {
        for (i, text) in [Payloads.archiveURL(1), Payloads.cjk, Payloads.archiveURL(2, padTo: 300)].enumerated() {
            let reference = try Run.run(["qrencode", "-o", "-", "-s", "\(3 + i)", text]).stdout
            #expect(try BarcodeScanner().scan(pngBytes: reference) == [Array(text.utf8)])
        }
        // Binary payloads come back byte for byte (zbar's binary mode).
        let bytes = (0..<64).map { UInt8($0 * 4 + 3) }
        let png = try PNGRenderer().render(try QREncoder().encode(bytes: bytes))
        #expect(try BarcodeScanner().scan(pngBytes: png) == [bytes])
    }

    @Test func imageReaderRecognisesQrencodePNGs() throws {
        for i in 0..<12 {
            let text = Payloads.archiveURL(i, padTo: i * 40)
            let level = ErrorCorrectionLevel.allCases[i % 4]
            let reference = try Run.run(
                ["qrencode", "-o", "-", "-s", "\(1 + i % 5)", "-m", "\(i % 6)", "-l", level.rawValue, text]).stdout
            let found = try QRImageReader.read(try PNGImage(pngBytes: reference))
            let symbol = try QREncoder(level: level).encode(text)
            #expect(found.symbol == symbol)
            #expect(found.symbol.level == level)
            #expect(found.scale == 1 + i % 5 && found.margin == i % 6)
            #expect(QRImageReader.check(pngBytes: reference, expected: text) == .matches)
            #expect(QRImageReader.check(pngBytes: reference, expected: text + "x") == .differs)
        }
    }

    @Test(arguments: [TerminalRenderer.Style.utf8, .ansiUTF8], [0, 1, 2, 4, 5])
    func terminalOutputIsQrencodes(style: TerminalRenderer.Style, margin: Int) throws {
        for text in [Payloads.archiveURL(3), "A", Payloads.cjk] {
            let type = style == .utf8 ? "UTF8" : "ANSIUTF8"
            let reference = try Run.run(["qrencode", "-t", type, "-m", "\(margin)", "-o", "-", text]).stdout
            let ours = try TerminalRenderer(style: style, margin: margin).render(try QREncoder().encode(text))
            #expect(Array(ours.utf8) == Array(reference))
        }
    }
}
