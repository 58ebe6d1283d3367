import Foundation
import SharemarkTestSupport
import Testing
@testable import SharemarkQR

/// Broken, hostile and foreign PNGs: each is refused with a message saying what is wrong, or
/// read correctly; none crashes or allocates what its header claims.
@Suite struct BadPNGTests {
    static let url = "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md"

    static func qrencode(_ options: [String], _ text: String = url) throws -> [UInt8] {
        let output = try Run.run(["qrencode", "-o", "-"] + options + [text])
        #expect(output.status == 0, "qrencode: \(output.err)")
        return Array(output.stdout)
    }

    @Test func truncatedAtEveryLengthIsRefusedNotCrashed() throws {
        let png = try Self.qrencode(["-s", "4"])
        #expect(QRImageReader.check(pngBytes: png, expected: Self.url) == .matches)
        for length in stride(from: 0, to: png.count, by: 1) {
            let cut = Array(png.prefix(length))
            #expect(throws: PNGDecodeError.self, "truncated to \(length) bytes") { try PNGImage(pngBytes: cut) }
            guard case .notRecognised(let reason) = QRImageReader.check(pngBytes: cut, expected: Self.url) else {
                Issue.record("truncated to \(length) bytes was not refused"); continue
            }
            #expect(reason.contains(length < 8 ? "not a PNG" : "broken PNG"), "\(length): \(reason)")
        }
    }

    @Test func notAPNGIsNamedSo() throws {
        for bytes in [Array("<html>404 Not Found</html>".utf8), [], Array(repeating: 0xFF, count: 100),
                      Array("\u{89}PNX\r\n\u{1A}\n".utf8)] {
            #expect(throws: PNGDecodeError.notPNG) { try PNGImage(pngBytes: bytes) }
        }
        // The git host's /blob/ page for an image: HTML, as the legacy image URLs serve.
        guard case .notRecognised(let reason) = QRImageReader.check(pngBytes: Array("<!DOCTYPE html>".utf8), expected: Self.url)
        else { Issue.record("HTML accepted as PNG"); return }
        #expect(reason.contains("not a PNG"))
    }

    /// A valid PNG whose header claims 50000×50000 pixels (10 GB of RGBA) with a few bytes of
    /// data: refused from the header, before any pixel buffer exists.
    @Test func decompressionBombHeaderIsRefusedBeforeAllocation() throws {
        let bomb = PNGBuilder.png(width: 50_000, height: 50_000, bitDepth: 1, colourType: 0,
                                  idat: PNGBuilder.zlibStored(Array(repeating: 0, count: 64)))
        #expect(bomb.count < 200)
        do {
            _ = try PNGImage(pngBytes: bomb)
            Issue.record("bomb decoded")
        } catch {
            #expect(error == .tooLarge(width: 50_000, height: 50_000, maxWidth: PNGImage.defaultMaxSide,
                                       maxHeight: PNGImage.defaultMaxSide, maxPixels: PNGImage.defaultMaxPixels))
            #expect(error.description.contains("50000×50000"))
        }
        // Also within the side limits but over the pixel limit, and one side too long.
        #expect(throws: PNGDecodeError.self) {
            try PNGImage(pngBytes: PNGBuilder.png(width: 8192, height: 8192, bitDepth: 1, colourType: 0, idat: []),
                         maxPixels: 1 << 20)
        }
        #expect(throws: PNGDecodeError.self) {
            try PNGImage(pngBytes: PNGBuilder.png(width: 1, height: 100_000, bitDepth: 1, colourType: 0, idat: []))
        }
        // Zero and absurd (> 2^31) sides are libpng errors, not crashes.
        for (w, h) in [(0, 10), (10, 0), (0x8000_0000, 1), (0xFFFF_FFFF, 0xFFFF_FFFF)] {
            #expect(throws: PNGDecodeError.self) {
                try PNGImage(pngBytes: PNGBuilder.png(width: w, height: h, bitDepth: 8, colourType: 2, idat: []))
            }
        }
    }

    /// The hand-made PNGs of these tests are what they claim: the published CRC-32 and Adler-32
    /// check values, a stored zlib stream of several blocks that Python's zlib inflates back, and
    /// an image libpng reads pixel for pixel.
    @Test func pngBuilderWritesWhatZlibAndLibpngRead() throws {
        #expect(PNGBuilder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGBuilder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        let data = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 251) }
        let inflated = try Run.run(["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))"],
                                   stdin: Data(PNGBuilder.zlibStored(data)))
        #expect(inflated.status == 0, "\(inflated.err)")
        #expect(Array(inflated.stdout) == data)
        let scanlines: [UInt8] = [0, 0, 255, 0, /* next row */ 0, 255, 0, 128]  // filter byte "none", then gray pixels
        let image = try PNGImage(pngBytes: PNGBuilder.png(width: 3, height: 2, colourType: 0, scanlines: scanlines))
        #expect(image.width == 3 && image.height == 2)
        #expect(image.rgba == [0, 255, 0, 255, 0, 128].flatMap { [$0, $0, $0, 255] })
    }

    /// Header within limits, data far shorter than it claims: a clear error, not a crash.
    @Test func shortImageDataIsCorrupt() throws {
        let png = PNGBuilder.png(width: 100, height: 100, bitDepth: 8, colourType: 2,
                                 idat: PNGBuilder.zlibStored(Array(repeating: 0, count: 10)))
        #expect(throws: PNGDecodeError.self) { try PNGImage(pngBytes: png) }
    }

    /// One flipped bit in each chunk: a bad CRC is reported, never ignored.
    @Test func flippedBitsAreCaughtByTheCRC() throws {
        let png = try Self.qrencode(["-s", "4"])
        for offset in [16, 33, 50, png.count - 20] {
            var bad = png
            bad[offset] ^= 0x10
            #expect(throws: PNGDecodeError.self, "bit flipped at \(offset)") { try PNGImage(pngBytes: bad) }
        }
    }

    @Test func validQRWithAnotherPayloadDiffers() throws {
        let other = try Self.qrencode(["-s", "4"], Self.url.replacingOccurrences(of: "n10000001", with: "n10000002"))
        #expect(QRImageReader.check(pngBytes: other, expected: Self.url) == .differs)
        // Same text, other case: the archive's QR codes are case-sensitive.
        let upper = try Self.qrencode(["-s", "4"], Self.url.uppercased())
        #expect(QRImageReader.check(pngBytes: upper, expected: Self.url) == .differs)
    }

    /// QR codes made with other options than the archive's: another version, another level,
    /// another scale and margin, and colours. Read exactly, payload matched.
    @Test(arguments: [["-s", "4", "-v", "10"], ["-s", "3", "-l", "H"], ["-s", "1", "-m", "0"],
                      ["-s", "7", "-m", "1", "-l", "Q"], ["-s", "2", "--foreground=1A2B3C", "--background=FAF0E6"]])
    func otherEncoderOptionsAreReadExactly(_ options: [String]) throws {
        let png = try Self.qrencode(options)
        #expect(QRImageReader.check(pngBytes: png, expected: Self.url) == .matches, "qrencode \(options)")
    }

    /// The archive's QR re-encoded by netpbm: 8-bit RGB, twice the scale, interlaced. Not what
    /// `qrencode` writes, but the same geometry: the grid reader still reads it exactly.
    @Test func netpbmReencodedRGBIsRead() throws {
        let dir = try Hardening.temporaryFolder("netpbm")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = try Run.bash("""
            set -e; cd '\(dir)'
            qrencode -o a.png -s 4 '\(Self.url)'
            pngtopnm a.png | pnmscale 2 | ppmtoppm > b.ppm
            pnmtopng -interlace b.ppm > b.png
            pngtopnm a.png | pnmscale 2 | ppmtoppm | ppmchange black rgb:20/30/40 | pnmtopng > c.png
            """)
        #expect(output.status == 0, "\(output.err)")
        for name in ["b.png", "c.png"] {
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)"))
            let image = try PNGImage(pngBytes: png)
            #expect(image.width == 328)
            #expect(QRImageReader.check(pngBytes: png, expected: Self.url) == .matches, "\(name)")
        }
    }

    /// Geometry the grid reader does not know (a non-integer scale, blurred edges): it says
    /// so, and the scanner is the fallback that reads the payload.
    @Test func foreignGeometryFallsBackToTheScanner() throws {
        let dir = try Hardening.temporaryFolder("scaled")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = try Run.bash("""
            set -e; cd '\(dir)'
            qrencode -o a.png -s 4 '\(Self.url)'
            pngtopnm a.png | pamscale 1.37 | pnmtopng > b.png
            """)
        #expect(output.status == 0, "\(output.err)")
        let png = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.png"))
        guard case .notRecognised = QRImageReader.check(pngBytes: png, expected: Self.url) else {
            Issue.record("a resampled image was read as exact"); return
        }
        let payloads = try BarcodeScanner().scan(pngBytes: png)
        #expect(payloads == [Array(Self.url.utf8)])
    }
}
