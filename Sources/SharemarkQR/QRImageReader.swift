/// Recovers a QR symbol from an image of known geometry: square, exactly two
/// colours, a uniform quiet zone, and a whole number of pixels per module. That is what
/// `PNGRenderer` and `qrencode` write; checking such an image against a fresh encoding is exact
/// and far cheaper than scanning it. Images of other shapes are reported as not recognised, so
/// that the caller can fall back to `BarcodeScanner`.
public enum QRImageReader {
    /// Why an image is not of the geometry the reader knows.
    public struct NotRecognised: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { "not a QR image of known geometry: \(reason)" }
    }

    /// The largest side of a share QR image that is decoded at all when checking PNG bytes
    /// (a version 40 symbol at 20 pixels a module with a margin of 4 is 3,700). A few kilobytes
    /// of PNG can claim 8192×8192, which would take a gigabyte to decode and read.
    public static let maxSide = 4096

    public static func read(_ image: PNGImage) throws(NotRecognised) -> QRImage {
        let side = image.width
        guard side > 0, side == image.height else {
            throw NotRecognised(reason: "the image is \(image.width)×\(image.height) pixels, not square")
        }
        // Pixels as 32-bit values, so that a colour comparison is one integer comparison.
        let pixels: [UInt32] = image.rgba.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }

        // Which colour is light: the top row is all quiet zone when there is a margin; without
        // one, the top-left pixel is the corner of a finder pattern, which is dark.
        let first = pixels[0]
        let topRowUniform = pixels[0..<side].allSatisfy { $0 == first }
        var other: UInt32?
        for pixel in pixels where pixel != first {
            if other == nil { other = pixel } else if pixel != other {
                throw NotRecognised(reason: "the image has more than two colours")
            }
        }
        guard let other else { throw NotRecognised(reason: "the image has one colour only") }
        let light = topRowUniform ? first : other
        let dark = topRowUniform ? other : first

        // The first dark pixel is the top-left corner of the top-left finder pattern, whose top
        // edge is 7 dark modules: that gives the quiet zone and the module size.
        guard let firstDark = pixels.firstIndex(of: dark) else {
            throw NotRecognised(reason: "no dark pixel")
        }
        let offset = firstDark % side
        guard firstDark / side == offset else {
            throw NotRecognised(reason: "the quiet zone is not equally wide at the top and the left")
        }
        var run = 0
        while offset + run < side && pixels[firstDark + run] == dark { run += 1 }
        guard run % 7 == 0 else {
            throw NotRecognised(reason: "the top-left finder pattern is \(run) pixels wide, not 7 modules")
        }
        let scale = run / 7
        guard offset % scale == 0, side % scale == 0 else {
            throw NotRecognised(reason: "the image is not a whole number of \(scale)-pixel modules")
        }
        let margin = offset / scale
        let size = side / scale - 2 * margin
        guard size >= 21, (size - 17) % 4 == 0, QREncoder.versions.contains((size - 17) / 4) else {
            throw NotRecognised(reason: "\(size) modules per side is no QR version")
        }

        // Every module cell must be of one colour, and the quiet zone light.
        let modulesPerSide = size + 2 * margin
        var cells = [UInt32](repeating: 0, count: modulesPerSide * modulesPerSide)
        for my in 0..<modulesPerSide {
            for mx in 0..<modulesPerSide {
                cells[my * modulesPerSide + mx] = pixels[my * scale * side + mx * scale]
            }
        }
        for y in 0..<side {
            let cellRow = (y / scale) * modulesPerSide
            for x in 0..<side where pixels[y * side + x] != cells[cellRow + x / scale] {
                throw NotRecognised(reason: "module (\(x / scale - margin), \(y / scale - margin)) is not of one colour")
            }
        }
        var modules = [Bool](repeating: false, count: size * size)
        for my in 0..<modulesPerSide {
            for mx in 0..<modulesPerSide {
                let isDark = cells[my * modulesPerSide + mx] == dark
                let inSymbol = (margin..<(margin + size)).contains(mx) && (margin..<(margin + size)).contains(my)
                if inSymbol {
                    modules[(my - margin) * size + (mx - margin)] = isDark
                } else if isDark {
                    throw NotRecognised(reason: "the quiet zone has dark modules")
                }
            }
        }
        return QRImage(
            symbol: QRSymbol(version: (size - 17) / 4, modules: modules), scale: scale, margin: margin,
            foreground: color(dark), background: color(light))
    }

    /// Whether `pngBytes` shows `expected` encoded as `QREncoder` (text mode) would at the
    /// version and level the image declares.
    public static func check(pngBytes: some Collection<UInt8>, expected: String) -> PayloadMatch {
        let image: QRImage
        do {
            image = try read(try PNGImage(pngBytes: pngBytes, maxWidth: maxSide, maxHeight: maxSide, maxPixels: maxSide * maxSide))
        } catch let error as PNGDecodeError {
            return .notRecognised(error.description)
        } catch {
            return .notRecognised("\(error)")
        }
        return check(image.symbol, expected: expected)
    }

    /// Compares a symbol read from an image with the encoding of `expected`.
    public static func check(_ found: QRSymbol, expected: String) -> PayloadMatch {
        let levels = found.level.map { [$0] } ?? ErrorCorrectionLevel.allCases
        for level in levels {
            // The automatic version first: libqrencode's choice of segments depends on the
            // version it is given, so a forced version can encode the same text differently
            // even when it equals the automatic one. The forced version covers images made
            // with `-v`.
            for version in [nil, found.version] {
                guard let symbol = try? QREncoder(level: level, version: version).encode(expected),
                      symbol.version == found.version else { continue }
                if symbol == found { return .matches }
            }
        }
        return .differs
    }

    private static func color(_ pixel: UInt32) -> RGBAColor {
        let bytes = withUnsafeBytes(of: pixel) { Array($0) }
        return RGBAColor(red: bytes[0], green: bytes[1], blue: bytes[2], alpha: bytes[3])
    }
}
