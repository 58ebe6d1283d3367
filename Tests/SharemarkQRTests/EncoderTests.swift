import Foundation
import SharemarkTestSupport
import Testing
@testable import SharemarkQR

@Suite struct EncoderTests {
    let url = "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md"

    @Test func archiveLinkIsVersion4() throws {
        let symbol = try QREncoder().encode(url)
        #expect(symbol.version == 4 && symbol.size == 33 && symbol.level == .L)
        #expect(symbol.modules.count == 33 * 33)
        // The three finder patterns' corners are dark, the separators light.
        #expect(symbol.isDark(x: 0, y: 0) && symbol.isDark(x: 32, y: 0) && symbol.isDark(x: 0, y: 32))
        #expect(!symbol.isDark(x: 7, y: 0) && !symbol.isDark(x: 32, y: 32 - 25))
    }

    @Test func versionIsAMinimum() throws {
        #expect(try QREncoder(version: 10).encode(url).version == 10)
        #expect(try QREncoder(version: 1).encode(url).version == 4)
    }

    @Test func emptyInputIsRefused() {
        #expect(throws: QRError.emptyInput) { try QREncoder().encode("") }
        #expect(throws: QRError.emptyInput) { try QREncoder().encode(bytes: []) }
        #expect(throws: QRError.textContainsNUL) { try QREncoder().encode("a\u{0}b") }
    }

    @Test(arguments: ErrorCorrectionLevel.allCases)
    func tooLongNamesTheLengthAndTheMaximum(level: ErrorCorrectionLevel) throws {
        let maximum = QREncoder.maximumByteCount(level: level)
        // The table agrees with libqrencode: the maximum fits at version 40, one byte more does not.
        let fits = try QREncoder(level: level).encode(bytes: [UInt8](repeating: 0xA5, count: maximum))
        #expect(fits.version == 40)
        let error = #expect(throws: QRError.self) {
            try QREncoder(level: level).encode(bytes: [UInt8](repeating: 0xA5, count: maximum + 1))
        }
        #expect(error == .dataTooLong(byteCount: maximum + 1, maximum: maximum, level: level))
        let text = String(repeating: "é", count: maximum)  // 2 bytes each
        let textError = #expect(throws: QRError.self) { try QREncoder(level: level).encode(text) }
        #expect(textError?.description.contains("\(maximum * 2) bytes") == true)
        #expect(textError?.description.contains("at most \(maximum) bytes") == true)
    }

    @Test(arguments: [0, -1, 41, 100])
    func versionOutOfRange(version: Int) {
        #expect(throws: QRError.versionOutOfRange(version)) { try QREncoder(version: version).encode(url) }
    }

    @Test func renderOptionsOutOfRange() throws {
        let symbol = try QREncoder().encode(url)
        #expect(throws: QRError.scaleOutOfRange(0)) { try PNGRenderer(options: .init(scale: 0)).render(symbol) }
        #expect(throws: QRError.scaleOutOfRange(41)) { try SVGRenderer(options: .init(scale: 41)).render(symbol) }
        #expect(throws: QRError.marginOutOfRange(-1)) { try PNGRenderer(options: .init(margin: -1)).render(symbol) }
        #expect(throws: QRError.marginOutOfRange(99)) { try TerminalRenderer(margin: 99).render(symbol) }
        #expect(throws: QRError.dpiOutOfRange(0)) { try PNGRenderer(options: .init(dpi: 0)).render(symbol) }
    }

    @Test(arguments: ["", "#000000", "00000", "0000000", "00000g", "ffffff0", "ffffff000", " 000000", "ééé", "+fffff", "-00000", "ffｆｆｆｆ", "0x0000"])
    func badColoursAreRefused(text: String) {
        #expect(throws: QRError.invalidColour(text)) { try RGBAColor(hex: text) }
    }

    @Test func coloursParseAsQrencode() throws {
        #expect(try RGBAColor(hex: "1A2b3C") == RGBAColor(red: 0x1A, green: 0x2B, blue: 0x3C, alpha: 255))
        #expect(try RGBAColor(hex: "ff000080") == RGBAColor(red: 255, green: 0, blue: 0, alpha: 0x80))
        #expect(try RGBAColor(hex: "ff000080").description == "ff000080")
    }

    /// Thousands of symbols from many concurrent tasks, each equal to the one computed
    /// sequentially; some also read back from their PNG.
    @Test func concurrentEncodingIsCorrect() async throws {
        let payloads = (0..<3000).map { Payloads.archiveURL($0, padTo: 60 + $0 % 200) }
        let levels = ErrorCorrectionLevel.allCases
        let expected = try payloads.enumerated().map { try QREncoder(level: levels[$0.offset % 4]).encode($0.element) }
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var bad = 0
                    for i in stride(from: worker, to: payloads.count, by: 16) {
                        let symbol = try QREncoder(level: levels[i % 4]).encode(payloads[i])
                        if symbol != expected[i] { bad += 1 }
                        if i % 50 == 0 {
                            let png = try PNGRenderer(options: .init(scale: 1 + i % 4, margin: i % 5)).render(symbol)
                            if QRImageReader.check(pngBytes: png, expected: payloads[i]) != .matches { bad += 1 }
                        }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
    /// The masks scored on bit rows are libqrencode's own choice, module for module, over
    /// thousands of payloads: text of each segment kind and raw bytes, every level, minimum
    /// versions up to 14 (widths on both sides of 61 modules, where rows take three words).
    @Test func bitRowMaskChoiceIsLibqrencodes() throws {
        var random = SeededGenerator(state: 20261129)
        let alphabets = [
            Array("abcdefghijklmnopqrstuvwxyz0123456789/.:-_?=&%".utf8), Array("0123456789".utf8),
            Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:".utf8), Array("abcXYZ".utf8) + [0x01, 0x80, 0xFF],
        ]
        var masksSeen = Set<Int>(), widths = Set<Int>(), mismatches: [String] = []
        for n in 0..<4000 {
            let alphabet = alphabets[n % alphabets.count]
            let length = 1 + Int(random.next() % (n % 3 == 0 ? 300 : 120))
            let bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let version = n % 5 == 0 ? Int(random.next() % 14) + 1 : nil
            var fast = QREncoder(level: ErrorCorrectionLevel.allCases[n % 4], version: version)
            var reference = fast
            reference.maskEvaluation = .libqrencode
            fast.maskEvaluation = .bitRows
            let ours = n % 2 == 0 ? try fast.encode(textBytes: bytes) : try fast.encode(bytes: bytes)
            let theirs = n % 2 == 0 ? try reference.encode(textBytes: bytes) : try reference.encode(bytes: bytes)
            if ours != theirs { mismatches.append("payload \(n): \(bytes.count) bytes, version \(version ?? 0)") }
            masksSeen.insert(Self.mask(of: ours))
            widths.insert(ours.size)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) symbols differ, first: \(mismatches.prefix(3))")
        #expect(masksSeen == Set(0..<8))
        #expect(widths.contains(61) && widths.contains(65) && widths.contains(21))
    }

    /// The same on symbols of three-word rows (versions 12 to 40, 65 to 177 modules): text
    /// and raw bytes up to what each level holds, every level, and minimum versions across the
    /// range, version 40 included.
    @Test func wideBitRowMaskChoiceIsLibqrencodes() throws {
        var random = SeededGenerator(state: 20261207)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789/.:-_?=&%ABCXYZ".utf8)
        var masksSeen = Set<Int>(), widths = Set<Int>(), mismatches: [String] = []
        for n in 0..<400 {
            let level = ErrorCorrectionLevel.allCases[n % 4]
            let most = QREncoder.maximumByteCount(level: level)
            let length = n % 12 == 0 ? most : 400 + Int(random.next() % UInt64(most - 400))
            let bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let version = n % 3 == 0 ? 12 + Int(random.next() % 29) : nil
            // The largest payloads fill version 40 in 8-bit mode: as text, libqrencode's split
            // into segments may need more (a header for each).
            let asText = n % 2 == 0 && length <= most * 9 / 10
            var fast = QREncoder(level: level, version: version)
            var reference = fast
            reference.maskEvaluation = .libqrencode
            fast.maskEvaluation = .bitRows
            let ours = asText ? try fast.encode(textBytes: bytes) : try fast.encode(bytes: bytes)
            let theirs = asText ? try reference.encode(textBytes: bytes) : try reference.encode(bytes: bytes)
            if ours != theirs { mismatches.append("payload \(n): \(bytes.count) bytes, level \(level), version \(version ?? 0)") }
            masksSeen.insert(Self.mask(of: ours))
            widths.insert(ours.size)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) symbols differ, first: \(mismatches.prefix(3))")
        // Mask 1 (every other row flipped whole) is never the lowest at these sizes; all the
        // others are chosen.
        #expect(masksSeen == Set(0..<8).subtracting([1]))
        #expect(widths.contains(177) && widths.min()! <= 73 && widths.allSatisfy { $0 > 61 })
    }

    /// The shim's mask scoring only with a libqrencode it was verified against; this machine's
    /// (Debian 12) is one, so the fast path is the one in use and the comparison above matters.
    @Test func theShimIsUsedOnlyWithAVerifiedLibqrencode() {
        #expect(LibraryVersions.qrencode == "4.1.1")
        #expect(QREncoder.defaultMaskEvaluation == .bitRows)
        #expect(QREncoder(level: .L).maskEvaluation == .bitRows)
        #expect(QREncoder.maskEvaluation(forLibqrencode: "4.1.1") == .bitRows)
        for other in ["4.1.0", "4.2.0", "3.4.4", "", "4.1.1-rc"] {
            #expect(QREncoder.maskEvaluation(forLibqrencode: other) == .libqrencode, "\(other)")
        }
    }

    /// The mask number in a symbol's format information (ISO/IEC 18004 7.9), read from the
    /// modules beside the top-left finder pattern.
    static func mask(of symbol: QRSymbol) -> Int {
        var format = 0
        for i in 0..<15 {
            // Bits 0–7 down column 8 (skipping the timing row), bits 8–14 leftwards along row 8.
            let (x, y) = i < 8 ? (8, i < 6 ? i : i + 1) : (i == 8 ? 7 : 14 - i, 8)
            if symbol.isDark(x: x, y: y) { format |= 1 << i }
        }
        return (format ^ 0x5412) >> 10 & 7
    }
}
