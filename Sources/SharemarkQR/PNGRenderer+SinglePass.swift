import CPNGShim

extension PNGRenderer {
    /// Like `render(_:)`, with one zlib pass instead of trying several settings: Z_FILTERED at
    /// level 5 with memLevel 9, the setting `render(_:)` keeps for share-link symbols at scales
    /// 2–4. The pixels are the same; the file is at most a few bytes larger at other scales.
    /// For bulk writing (`sharemark regen`), where compression is a third of the work per file.
    public func renderSinglePass(_ symbol: QRSymbol) throws(QRError) -> [UInt8] {
        try options.validate()
        let scale = options.scale, margin = options.margin
        let side = (symbol.size + 2 * margin) * scale
        let rowBytes = (side + 7) / 8
        var image = [UInt8](repeating: 0xFF, count: rowBytes * side)
        image.withUnsafeMutableBufferPointer { pixels in
            for y in 0..<symbol.size {
                let firstRow = (margin + y) * scale
                let row = firstRow * rowBytes
                for x in 0..<symbol.size where symbol.modules[y * symbol.size + x] {
                    let start = (margin + x) * scale
                    for px in start..<(start + scale) {
                        pixels[row + px >> 3] &= ~(0x80 >> UInt8(px & 7))
                    }
                }
                for copy in 1..<max(scale, 1) {
                    let destination = (firstRow + copy) * rowBytes
                    for i in 0..<rowBytes { pixels[destination + i] = pixels[row + i] }
                }
            }
        }
        let fg = options.foreground, bg = options.background
        let palette: [UInt8] = [fg.red, fg.green, fg.blue, bg.red, bg.green, bg.blue]
        let alpha: [UInt8]? = fg.isOpaque && bg.isOpaque ? nil : [fg.alpha, bg.alpha]
        let pixelsPerMetre = options.dpi.map { UInt32(Double($0) * (100.0 / 2.54)) } ?? 0
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.withUnsafeBufferPointer { pixels in
            palette.withUnsafeBufferPointer { paletteBuffer in
                (alpha ?? []).withUnsafeBufferPointer { alphaBuffer in
                    sharemark_png_write_palette(
                        pixels.baseAddress, rowBytes, UInt32(side), UInt32(side), 1,
                        paletteBuffer.baseAddress, alpha == nil ? nil : alphaBuffer.baseAddress, 2, pixelsPerMetre,
                        5, 1 /* Z_FILTERED */, 9, &output, &outputSize, &message, message.count)
                }
            }
        }
        guard status == Int32(SHAREMARK_PNG_OK), let output else {
            throw .pngWriteFailed(status == Int32(SHAREMARK_PNG_NO_MEMORY) ? "out of memory" : cString(message))
        }
        defer { sharemark_png_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }
}
