import CPNGShim
import Foundation
import SharemarkTestSupport
import Testing
@testable import SharemarkQR

/// The compact style's own deflate encoder (CPNGShim/sharemark_deflate.c), which `.fast` uses.
/// Its streams are inflated by Python's zlib (an independent inflate, which checks the Adler-32
/// and that nothing follows the stream) and compared byte for byte with the scanlines of
/// `qrencode -o` for the same options, as are the header chunks and the decoded pixels.
@Suite struct DeflateEncoderTests {
    /// Checks, for each name N in the folder, that N.ours.png and N.ref.png have chunks with
    /// good CRCs, the same IHDR, and image data that inflates completely to the same bytes.
    static let compareScript = #"""
    import os, struct, sys, zlib
    def chunks(path):
        data = open(path, 'rb').read()
        assert data[:8] == b'\x89PNG\r\n\x1a\n', path
        at, found = 8, {}
        while at < len(data):
            n, kind = struct.unpack('>I4s', data[at:at + 8])
            body = data[at + 8:at + 8 + n]
            if zlib.crc32(kind + body) != struct.unpack('>I', data[at + 8 + n:at + 12 + n])[0]:
                sys.exit(f'{path}: bad CRC in {kind}')
            found[kind] = found.get(kind, b'') + body
            at += 12 + n
        return found
    def inflate(path, stream):
        d = zlib.decompressobj()
        raw = d.decompress(stream) + d.flush()
        if not d.eof or d.unused_data:
            sys.exit(f'{path}: the image data is not one complete zlib stream')
        return raw
    os.chdir(sys.argv[1])
    names = sys.argv[2:]
    for name in names:
        ours, ref = chunks(name + '.ours.png'), chunks(name + '.ref.png')
        if ours[b'IHDR'] != ref[b'IHDR']:
            print(name, 'IHDR differs')
        elif inflate(name, ours[b'IDAT']) != inflate(name, ref[b'IDAT']):
            print(name, 'scanlines differ')
        elif b'IEND' not in ours:
            print(name, 'no IEND')
    print('compared', len(names))
    """#

    struct Case {
        let name: String
        let payload: String
        let level: ErrorCorrectionLevel
        let version: Int?
        let options: QROptions

        var qrencodeArguments: [String] {
            var arguments = ["-s", "\(options.scale)", "-m", "\(options.margin)", "-l", level.rawValue,
                             "--foreground=\(options.foreground)", "--background=\(options.background)"]
            if let version { arguments += ["-v", "\(version)"] }
            return arguments
        }
    }

    /// Renders each case with `.fast`, has qrencode render it too, and compares the two.
    /// `decodePixels` also compares the RGBA pixels as libpng decodes them.
    func compareWithQrencode(_ cases: [Case], decodePixels: Bool = true) throws {
        let directory = try Oracle.temporaryDirectory("deflate")
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = "set -e\ncd \(Oracle.quote(directory.path))\n{\n"
        for c in cases {
            let symbol = try QREncoder(level: c.level, version: c.version).encode(c.payload)
            let png = try PNGRenderer(options: c.options, compression: .fast).render(symbol)
            try Data(png).write(to: directory.appendingPathComponent("\(c.name).ours.png"))
            try Data(c.payload.utf8).write(to: directory.appendingPathComponent("\(c.name).in"))
            script += "echo \(c.name) \(c.qrencodeArguments.map(Oracle.quote).joined(separator: " "))\n"
        }
        script += """
        } | xargs -P 2 -L 1 bash -c 'qrencode -r $0.in -o $0.ref.png "$@"'
        """
        let rendered = try Run.bash(script)
        try #require(rendered.status == 0, "qrencode: \(rendered.err)")
        let compared = try Run.run(["python3", "-c", Self.compareScript, directory.path] + cases.map(\.name))
        #expect(compared.status == 0, "\(compared.err)")
        #expect(compared.out == "compared \(cases.count)\n", "\(compared.out)")
        guard decodePixels else { return }
        for c in cases {
            let ours = try PNGImage(pngBytes: Data(contentsOf: directory.appendingPathComponent("\(c.name).ours.png")))
            let reference = try PNGImage(pngBytes: Data(contentsOf: directory.appendingPathComponent("\(c.name).ref.png")))
            #expect(ours == reference, "case \(c.name): pixels differ")
        }
    }

    @Test func randomSymbolsMatchQrencode() throws {
        var random = SeededGenerator(state: 20_261_129)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#@!$&'()*+,;=%")
        let colours = [("000000", "ffffff"), ("1a2b3c", "f0e0d0"), ("ff000080", "00ff0040"), ("000000", "ffffff00")]
        var cases: [Case] = []
        for i in 0..<72 {
            let level = ErrorCorrectionLevel.allCases[i % 4]
            let length = Int.random(in: 1...min(400, QREncoder.maximumByteCount(level: level)), using: &random)
            let payload = i % 3 == 0 ? Payloads.archiveURL(Int.random(in: 0..<100_000, using: &random))
                : String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            let (fg, bg) = colours[i % colours.count]
            let options = QROptions(scale: Int.random(in: 1...12, using: &random), margin: Int.random(in: 0...8, using: &random),
                                    foreground: try RGBAColor(hex: fg), background: try RGBAColor(hex: bg))
            cases.append(Case(name: "r\(i)", payload: payload, level: level, version: nil, options: options))
        }
        try compareWithQrencode(cases)
    }

    /// The smallest image (3 bytes a row), rows longer than the longest match (258 bytes), and
    /// the largest symbol at scales whose copied rows are long matches of many pieces.
    @Test func edgeCasesMatchQrencode() throws {
        let url = Payloads.archiveURL(7)
        let cases = [
            Case(name: "v1s1m0", payload: "A", level: .L, version: 1, options: QROptions(scale: 1, margin: 0)),
            Case(name: "v1s1m1", payload: "1", level: .H, version: 1, options: QROptions(scale: 1, margin: 1)),
            Case(name: "v40s1m0", payload: url, level: .H, version: 40, options: QROptions(scale: 1, margin: 0)),
            Case(name: "v40s12m4", payload: url, level: .L, version: 40, options: QROptions(scale: 12, margin: 4)),
            Case(name: "v10s40m40", payload: url, level: .Q, version: 10, options: QROptions(scale: 40, margin: 40)),
            Case(name: "s40m0", payload: url, level: .M, version: nil, options: QROptions(scale: 40, margin: 0)),
            Case(name: "s9m40", payload: url, level: .L, version: nil, options: QROptions(scale: 9, margin: 40)),
        ]
        // The largest images would make hundreds of megabytes of RGBA; their scanlines are compared.
        try compareWithQrencode(Array(cases.prefix(4)))
        try compareWithQrencode(Array(cases.dropFirst(4)), decodePixels: false)
    }

    /// Rows that are not QR symbols, written through the shim: one-byte rows, random bytes, repeated rows,
    /// runs longer than a match, and rows longer than deflate's 32 KB window, whose repeats
    /// cannot be matches a row back. Python's zlib inflates each to the scanlines.
    @Test func arbitraryRowsInflateToTheirScanlines() throws {
        var random = SeededGenerator(state: 42)
        var images: [(rowBytes: Int, rows: [UInt8])] = []
        func randomRow(_ count: Int, values: [UInt8]? = nil) -> [UInt8] {
            (0..<count).map { _ in values?.randomElement(using: &random) ?? UInt8.random(in: 0...255, using: &random) }
        }
        images.append((1, [0x55]))
        // Copied rows of one byte: a copy with its filter byte is 2 bytes, shorter than any
        // match (found by the deflate fuzz target, which these bytes are the reproducer of).
        images.append((1, [0xFF, 0xFF]))
        images.append((1, [0x00, 0x00, 0x00, 0x7E, 0xFF, 0xFF, 0x7E, 0x7E]))
        images.append((5, randomRow(5 * 9)))
        images.append((300, [UInt8](repeating: 0xFF, count: 300 * 40)))
        images.append((17, (0..<30).flatMap { i in i % 4 == 0 ? randomRow(17, values: [0, 0x0F, 0xF0, 0xFF]) : [] }))
        var repeated: [UInt8] = []
        for _ in 0..<12 {
            let row = randomRow(700, values: [0, 0xFF, 0x3C])
            for _ in 0..<Int.random(in: 1...5, using: &random) { repeated += row }
        }
        images.append((700, repeated))
        let wide = randomRow(40_000, values: [0, 0xFF])
        images.append((40_000, wide + wide + randomRow(40_000) + wide))
        images = images.filter { !$0.rows.isEmpty }

        let directory = try Oracle.temporaryDirectory("deflate-rows")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (i, image) in images.enumerated() {
            let height = image.rows.count / image.rowBytes
            let png = try Self.writeOwnDeflate(rows: image.rows, rowBytes: image.rowBytes, height: height)
            try Data(png).write(to: directory.appendingPathComponent("\(i).png"))
            let scanlines = (0..<height).flatMap { [0] + image.rows[($0 * image.rowBytes)..<(($0 + 1) * image.rowBytes)] }
            try Data(scanlines).write(to: directory.appendingPathComponent("\(i).raw"))
        }
        let script = #"""
        import os, struct, sys, zlib
        os.chdir(sys.argv[1])
        for i in range(int(sys.argv[2])):
            data, at, stream = open(f'{i}.png', 'rb').read(), 8, b''
            while at < len(data):
                n, kind = struct.unpack('>I4s', data[at:at + 8])
                if kind == b'IDAT': stream += data[at + 8:at + 8 + n]
                at += 12 + n
            d = zlib.decompressobj()
            raw = d.decompress(stream) + d.flush()
            if not d.eof or d.unused_data or raw != open(f'{i}.raw', 'rb').read():
                print(i, 'differs')
        print('ok')
        """#
        let checked = try Run.run(["python3", "-c", script, directory.path, "\(images.count)"])
        #expect(checked.status == 0 && checked.out == "ok\n", "\(checked.out)\(checked.err)")
    }

    /// A 1-bit palette PNG of `rows` through the shim with its own encoder.
    static func writeOwnDeflate(rows: [UInt8], rowBytes: Int, height: Int) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: 256)
        let palette: [UInt8] = [0, 0, 0, 255, 255, 255]
        // The shim takes the rows as PNG lays them out: a filter byte 0 before each.
        var lines: [UInt8] = []
        for y in 0..<height { lines.append(0); lines += rows[(y * rowBytes)..<((y + 1) * rowBytes)] }
        let status = sharemark_png_write_palette(
            lines, rowBytes, UInt32(rowBytes * 8), UInt32(height), 1, palette, nil, 2, 0,
            Int32(SHAREMARK_PNG_OWN_DEFLATE), 0, 0, &output, &outputSize, &message, message.count)
        try #require(status == Int32(SHAREMARK_PNG_OK), "status \(status)")
        let bytes = try #require(output)
        defer { sharemark_png_free(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: outputSize))
    }

    /// What the encoder is for: share links at the archives' options come out smaller than
    /// with zlib. The sizes are pinned, so that a change to the encoder shows what it costs.
    @Test func shareLinkSizesArePinned() throws {
        let first = try QROptions().png(for: Payloads.archiveURL(0), compression: .fast)
        #expect(first.count == 347)
        var fast = 0, zlibDefaults = 0, smallest = 0
        for n in 0..<200 {
            let url = Payloads.archiveURL(n)
            fast += try QROptions().png(for: url, compression: .fast).count
            smallest += try QROptions().png(for: url, compression: .smallest).count
            // The qrencode style is zlib's default compression, with pHYs (21 bytes) and tRNS (14).
            zlibDefaults += try QROptions(pngStyle: .qrencode).png(for: url).count - 21 - 14
        }
        #expect(fast == 64_439)
        #expect(smallest <= fast)
        #expect(Double(fast) < 0.9 * Double(zlibDefaults), "\(fast) against \(zlibDefaults)")
    }

    /// At scale 1 no row repeats the one above, and zlib at qrencode's settings makes most share
    /// links smaller than the own encoder does: `.fast` makes both there and keeps the smaller,
    /// so its image data is never larger than qrencode's.
    @Test func fastAtScaleOneIsNeverLargerThanQrencode() throws {
        for n in 0..<24 {
            let options = QROptions(level: ErrorCorrectionLevel.allCases[n % 4], scale: 1, margin: n % 5)
            let url = Payloads.archiveURL(n * 17)
            let fast = try options.png(for: url, compression: .fast).count
            var qrencodeStyle = options
            qrencodeStyle.pngStyle = .qrencode
            // The qrencode style's pHYs (21 bytes) and tRNS (14) are the only chunks .fast leaves out.
            let reference = try qrencodeStyle.png(for: url).count - 21 - 14
            #expect(fast <= reference, "case \(n): \(fast) bytes against qrencode's \(reference)")
        }
    }

    /// `.smallest` also tries zlib, so it is never larger than `.fast` nor than qrencode's
    /// image data, at scales where either wins.
    @Test func smallestIsNeverLargerThanFastOrQrencode() throws {
        for scale in [1, 2, 4, 7, 10] {
            for n in 0..<6 {
                let options = QROptions(level: ErrorCorrectionLevel.allCases[n % 4], scale: scale, margin: n)
                let url = Payloads.archiveURL(n * 31)
                let fast = try options.png(for: url, compression: .fast).count
                let smallest = try options.png(for: url, compression: .smallest).count
                var qrencodeStyle = options
                qrencodeStyle.pngStyle = .qrencode
                let reference = try qrencodeStyle.png(for: url).count - 21 - 14
                #expect(smallest <= fast && smallest <= reference, "scale \(scale), case \(n)")
            }
        }
    }

    /// The renderer draws in its thread's canvas: one buffer a thread keeps and reuses (not
    /// memory allocated per image), grown only for a larger image, and never another thread's.
    @Test func eachThreadKeepsOneCanvas() async throws {
        let first = Int(bitPattern: try #require(sharemark_png_canvas(100_000)))
        #expect(Int(bitPattern: sharemark_png_canvas(1_000)) == first)
        #expect(Int(bitPattern: sharemark_png_canvas(100_000)) == first)
        let larger = Int(bitPattern: try #require(sharemark_png_canvas(3_000_000)))
        #expect(Int(bitPattern: sharemark_png_canvas(2_000)) == larger)
        // A render leaves the canvas where it was.
        _ = try QROptions(scale: 8).png(for: Payloads.archiveURL(1), compression: .fast)
        #expect(Int(bitPattern: sharemark_png_canvas(2_000)) == larger)
        let other = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, Error>) in
            let thread = Thread {
                guard let canvas = sharemark_png_canvas(2_000) else {
                    continuation.resume(throwing: QRError.pngWriteFailed("out of memory"))
                    return
                }
                continuation.resume(returning: Int(bitPattern: canvas))
            }
            thread.start()
        }
        #expect(other != larger)
    }
}
