import Foundation
import SharemarkTestSupport
import Testing
@testable import SharemarkQR

@Suite struct PNGImageTests {
    let url = "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md"

    func png(_ options: QROptions = QROptions()) throws -> [UInt8] {
        try PNGRenderer(options: options).render(try QREncoder().encode(url))
    }

    @Test func decodesOurPNG() throws {
        let image = try PNGImage(pngBytes: try png())
        #expect(image.width == 164 && image.height == 164)
        #expect(image.pixel(x: 0, y: 0) == .white)
        #expect(image.pixel(x: 16, y: 16) == .black)
    }

    @Test func renderingIsDeterministic() throws {
        #expect(try png() == png())
    }

    @Test func dpiIsWrittenAsPHYs() throws {
        let bytes = try png(QROptions(dpi: 300))
        let pHYs = Array("pHYs".utf8)
        let at = try #require((0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == pHYs }, "no pHYs chunk")
        // 300 dpi = 11811 pixels per metre, as qrencode writes it.
        #expect(Array(bytes[(at + 4)..<(at + 8)]) == [0, 0, 0x2E, 0x23])
    }

    @Test func truncatedPNGIsCorrupt() throws {
        let bytes = try png()
        for length in [8, 20, 33, 60, bytes.count - 13, bytes.count - 1] {
            #expect(throws: PNGDecodeError.self) { try PNGImage(pngBytes: bytes.prefix(length)) }
            do {
                _ = try PNGImage(pngBytes: bytes.prefix(length))
            } catch {
                guard case .corrupt = error else { Issue.record("\(length): \(error)"); continue }
            }
        }
    }

    @Test func nonPNGIsRefused() {
        #expect(throws: PNGDecodeError.notPNG) { try PNGImage(pngBytes: Array("<html>not an image</html>".utf8)) }
        #expect(throws: PNGDecodeError.notPNG) { try PNGImage(pngBytes: [UInt8]()) }
        #expect(throws: PNGDecodeError.notPNG) { try PNGImage(pngBytes: [0x89, 0x50]) }
    }

    @Test func bombHeaderIsRefusedBeforeAllocating() throws {
        // A valid header claiming 100000×100000 pixels, with next to no image data.
        var bytes = PNGBuilder.signature + PNGBuilder.chunk("IHDR", [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 6, 0, 0, 0])
        // The start of an image data chunk: the header is all libpng reads before the check.
        bytes += PNGBuilder.chunk("IDAT", [UInt8](repeating: 0, count: 10))
        #expect(throws: PNGDecodeError.tooLarge(width: 100_000, height: 100_000, maxWidth: 8192, maxHeight: 8192,
                                                maxPixels: PNGImage.defaultMaxPixels)) {
            try PNGImage(pngBytes: bytes)
        }
        #expect(throws: PNGDecodeError.self) { try PNGImage(pngBytes: try png(), maxWidth: 100) }
        #expect("\(PNGDecodeError.tooLarge(width: 1, height: 2, maxWidth: 3, maxHeight: 4, maxPixels: 5))".contains("1×2"))
    }

    @Test func imageRoundTripOnOurPNGs() throws {
        for (i, level) in ErrorCorrectionLevel.allCases.enumerated() {
            let symbol = try QREncoder(level: level).encode(url)
            for scale in [1, 2, 4, 7] {
                let options = QROptions(scale: scale, margin: i * 2, foreground: try RGBAColor(hex: "203040"),
                                            background: try RGBAColor(hex: "ffeeddcc"))
                let bytes = try PNGRenderer(options: options).render(symbol)
                let found = try QRImageReader.read(try PNGImage(pngBytes: bytes))
                #expect(found.symbol == symbol && found.symbol.level == level && found.scale == scale && found.margin == i * 2)
                #expect(found.foreground == options.foreground && found.background == options.background)
                #expect(QRImageReader.check(found.symbol, expected: url) == .matches)
                #expect(QRImageReader.check(found.symbol, expected: url.replacingOccurrences(of: "world", with: "china")) == .differs)
            }
        }
    }

    @Test func foreignImagesAreNotRecognised() throws {
        let notSquare = PNGImage(width: 2, height: 1, rgba: [UInt8](repeating: 255, count: 8))
        #expect(throws: QRImageReader.NotRecognised.self) { try QRImageReader.read(notSquare) }
        let uniform = PNGImage(width: 30, height: 30, rgba: [UInt8](repeating: 255, count: 3600))
        #expect(throws: QRImageReader.NotRecognised.self) { try QRImageReader.read(uniform) }
        // A module cut in half (an odd row of pixels).
        var image = try PNGImage(pngBytes: try png())
        var rgba = image.rgba
        let i = (20 * 164 + 60) * 4
        for k in 0..<3 { rgba[i + k] = 255 - rgba[i + k] }
        image = PNGImage(width: 164, height: 164, rgba: rgba)
        #expect(throws: QRImageReader.NotRecognised.self) { try QRImageReader.read(image) }
        guard case .notRecognised = QRImageReader.check(pngBytes: Array("no".utf8), expected: url) else {
            Issue.record("non-PNG should not be recognised")
            return
        }
    }
}
