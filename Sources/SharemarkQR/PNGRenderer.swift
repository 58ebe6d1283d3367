import CPNGShim

/// Draws a symbol as PNG bytes through libpng, in memory.
///
/// The pixels are those `qrencode -o FILE` writes with the same options: a 1-bit palette image,
/// palette entry 0 the foreground, 1 the background. In the compact style (the default) the
/// bytes differ from qrencode's only in what changes no pixel: a tRNS chunk only when a colour
/// has alpha, no pHYs unless a DPI is given, and other compression. In the qrencode style
/// they are qrencode's own: the same libpng calls (tRNS always, pHYs at 72 DPI by default,
/// libpng's default zlib settings). No chunk holds a time, so equal input gives equal bytes.
public struct PNGRenderer: Sendable {
    /// How hard to compress. The pixels are the same either way.
    public enum Compression: Sendable {
        /// Try each compression and keep the smallest file: never larger than qrencode's.
        case smallest
        /// The shim's own deflate encoder (CPNGShim/sharemark_deflate.c), for bulk writing and
        /// per-request rendering: about a seventh of zlib's work on share-link symbols, whose
        /// files it makes about 15% smaller. Measured against zlib (level 5, Z_FILTERED) over
        /// share links it is smaller at scales 1–6, 8, 16, 20, 24 and 32 (at 24 and 32 by more
        /// than half); at scale 7 about the same at level L and 3% larger at level H, and 1–6%
        /// larger on average at scales 9–15 and 18, where zlib's search finds module patterns
        /// repeated along a row that this encoder does not look for. So at those scales (above
        /// 6, not 20 and not a multiple of 8) zlib's pass is made too and the smaller file kept.
        /// At scale 20 zlib's pass is 21% larger and costs 4.6 times the own encoder's CPU
        /// (`SCALES=20 Scripts/bench-deflate.sh 1000 1`), and it was most of the work of an
        /// ad-hoc `/v1/qr` render at the largest scale. At scale 1 no row is a copy of another,
        /// which is what the own encoder is made for, and zlib at libpng's settings makes
        /// share links 8% smaller: there both are made and the smaller kept (scale 1 images are
        /// small: the two passes compress one in about 22 µs).
        case fast
    }

    public var options: QROptions
    public var compression: Compression

    public init(options: QROptions = QROptions(), compression: Compression = .smallest) {
        self.options = options
        self.compression = compression
    }

    /// Compression settings, the first being `fast`'s: the shim's own encoder, then zlib's
    /// (level, strategy, memLevel). libpng's defaults (6, default strategy, 8) are what
    /// qrencode uses, so `smallest` is never larger than qrencode's image data; Z_FILTERED at
    /// level 5 with memLevel 9 is smaller than the defaults at scales 2–4, and the own encoder
    /// smaller again at most scales, but not all.
    private static let compressionSettings: [(level: Int32, strategy: Int32, memoryLevel: Int32)] = [
        ownDeflate,
        (5, 1 /* Z_FILTERED */, 9),
        libpngDefaults,
    ]
    /// `fast`'s passes at a scale (see `Compression.fast`).
    private static func fastSettings(scale: Int) -> [(level: Int32, strategy: Int32, memoryLevel: Int32)] {
        if scale == 1 { return [ownDeflate, libpngDefaults] }
        return scale <= 6 || scale % 8 == 0 || scale == 20 ? [ownDeflate] : Array(compressionSettings.prefix(2))
    }
    private static let ownDeflate: (level: Int32, strategy: Int32, memoryLevel: Int32) = (Int32(SHAREMARK_PNG_OWN_DEFLATE), 0, 0)
    /// What libpng chooses for an unfiltered palette image when its caller sets nothing, as
    /// qrencode does.
    private static let libpngDefaults: (level: Int32, strategy: Int32, memoryLevel: Int32) = (6, 0 /* Z_DEFAULT_STRATEGY */, 8)

    public func render(_ symbol: QRSymbol) throws(QRError) -> [UInt8] {
        try options.validate()
        let scale = options.scale, margin = options.margin
        let side = (symbol.size + 2 * margin) * scale
        let rowBytes = (side + 7) / 8
        // Drawn as PNG's unfiltered image data, a filter byte 0 before each row, so the encoder
        // reads the image where it is drawn; on the thread's canvas, memory the thread keeps.
        let line = rowBytes + 1
        guard let image = sharemark_png_canvas(line * side) else { throw .pngWriteFailed("out of memory") }
        // Every pixel starts as background (palette index 1); dark modules clear their bits.
        // The first line is all background: the margin's lines, and each module row's first
        // line before its modules are drawn, are copies of it.
        image[0] = 0
        (image + 1).update(repeating: 0xFF, count: rowBytes)
        let symbolLines = (margin * scale)..<((margin + symbol.size) * scale)
        for y in 1..<side where !symbolLines.contains(y) { (image + y * line).update(from: image, count: line) }
        // Run by run of dark modules, a byte at a time where a run covers whole bytes: bulk
        // writing renders thousands of images, and pixel by pixel this loop was a tenth of it.
        symbol.modules.withUnsafeBufferPointer { modules in
            let size = symbol.size
            // Last module row first: without a margin, line 0 is module row 0's, and it stays
            // the background the others copy until they are drawn.
            for y in (0..<size).reversed() {
                let firstRow = (margin + y) * scale
                let row = image + firstRow * line
                if firstRow != 0 { row.update(from: image, count: line) }
                var x = 0
                while x < size {
                    guard modules[y * size + x] else { x += 1; continue }
                    var end = x + 1
                    while end < size && modules[y * size + end] { end += 1 }
                    Self.clearBits(row + 1, from: (margin + x) * scale, to: (margin + end) * scale)
                    x = end
                }
                // The other rows of this module row are copies of the first.
                for copy in 1..<max(scale, 1) {
                    (row + copy * line).update(from: row, count: line)
                }
            }
        }
        let fg = options.foreground, bg = options.background
        let asQrencode = options.pngStyle == .qrencode
        let palette: [UInt8] = [fg.red, fg.green, fg.blue, bg.red, bg.green, bg.blue]
        let alpha: [UInt8]? = fg.isOpaque && bg.isOpaque && !asQrencode ? nil : [fg.alpha, bg.alpha]
        // qrencode's conversion: dpi * (100 / 2.54) pixels per metre, truncated; 72 DPI its default.
        let dpi = options.dpi ?? (asQrencode ? 72 : nil)
        let pixelsPerMetre = dpi.map { UInt32(Double($0) * (100.0 / 2.54)) } ?? 0

        var smallest: [UInt8]?
        let settings = asQrencode ? [Self.libpngDefaults]
            : compression == .fast ? Self.fastSettings(scale: scale) : Self.compressionSettings
        for setting in settings {
            let png = try write(image, rowBytes: rowBytes, side: side, palette: palette, alpha: alpha,
                                pixelsPerMetre: pixelsPerMetre, setting: setting)
            if smallest == nil || png.count < smallest!.count { smallest = png }
        }
        return smallest!
    }

    /// Clears pixels `from..<to` of a 1-bit row (the first pixel is the high bit of byte 0).
    private static func clearBits(_ row: UnsafeMutablePointer<UInt8>, from: Int, to: Int) {
        var first = from >> 3
        let last = (to - 1) >> 3
        let head: UInt8 = 0xFF >> UInt8(from & 7)  // the pixels of byte `first` from `from` on
        let tail: UInt8 = 0xFF << UInt8(7 - ((to - 1) & 7))  // those of byte `last` up to `to - 1`
        if first == last {
            row[first] &= ~(head & tail)
            return
        }
        row[first] &= ~head
        first += 1
        if last > first { (row + first).update(repeating: 0, count: last - first) }
        row[last] &= ~tail
    }

    private func write(_ image: UnsafePointer<UInt8>, rowBytes: Int, side: Int, palette: [UInt8], alpha: [UInt8]?,
                       pixelsPerMetre: UInt32, setting: (level: Int32, strategy: Int32, memoryLevel: Int32)) throws(QRError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = palette.withUnsafeBufferPointer { paletteBuffer in
            withOptionalPointer(alpha) { alphaPointer in
                sharemark_png_write_palette(
                    image, rowBytes, UInt32(side), UInt32(side), 1,
                    paletteBuffer.baseAddress, alphaPointer, 2, pixelsPerMetre,
                    setting.level, setting.strategy, setting.memoryLevel, &output, &outputSize, &message, message.count)
            }
        }
        guard status == Int32(SHAREMARK_PNG_OK), let output else {
            throw .pngWriteFailed(status == Int32(SHAREMARK_PNG_NO_MEMORY) ? "out of memory" : cString(message))
        }
        defer { sharemark_png_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }
}

private func withOptionalPointer<R>(_ array: [UInt8]?, _ body: (UnsafePointer<UInt8>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

func cString(_ characters: [CChar]) -> String {
    let bytes = characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
