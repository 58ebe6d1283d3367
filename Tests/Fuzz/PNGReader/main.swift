// libFuzzer entry point for the PNG reader: PNGImage (libpng through CPNGShim) and
// QRImageReader. Compiled into the same module as Sources/SharemarkQR by Scripts/fuzz.sh, with
// the tests' PNG builder (Tests/SharemarkTestSupport/PNGBuilder.swift) for its CRC-32.
// Any input must come back as a value or a thrown error: never a trap, leak or overflow.
//
// The first byte picks how the rest is used:
//   0: PNG bytes as they are;
//   1: PNG bytes with every chunk CRC recomputed, so that mutations inside chunks reach
//      libpng's chunk handling instead of stopping at the CRC check;
//   2: a square bitmap for QRImageReader alone: one byte of side length, then one bit per
//      pixel (1 = dark), so that the reader sees QR-like images and their near misses.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNGReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let rest = UnsafeBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0: decode(Array(rest))
    case 1: decode(withFixedCRCs(Array(rest)))
    default: readBitmap(rest)
    }
    return 0
}

private let payload = "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md"

private func decode(_ bytes: [UInt8]) {
    // Small limits keep each run cheap while still going through the limit checks.
    guard let image = try? PNGImage(pngBytes: bytes, maxWidth: 1024, maxHeight: 1024, maxPixels: 1 << 18)
    else { return }
    precondition(image.width > 0 && image.height > 0 && image.width <= 1024 && image.height <= 1024)
    precondition(image.rgba.count == image.width * image.height * 4)
    _ = image.grayPixels()
    readQR(image)
}

private func readBitmap(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let first = bytes.first else { return }
    let side = Int(first) + 1
    var rgba = [UInt8](repeating: 255, count: side * side * 4)
    for i in 0..<min(side * side, (bytes.count - 1) * 8) where (bytes[1 + i / 8] >> (7 - UInt8(i % 8))) & 1 == 1 {
        rgba[4 * i] = 0; rgba[4 * i + 1] = 0; rgba[4 * i + 2] = 0
    }
    readQR(PNGImage(width: side, height: side, rgba: rgba))
}

private func readQR(_ image: PNGImage) {
    guard let found = try? QRImageReader.read(image) else { return }
    let size = found.symbol.version * 4 + 17
    precondition(found.symbol.modules.count == size * size)
    precondition(found.scale >= 1 && (size + 2 * found.margin) * found.scale == image.width)
    _ = QRImageReader.check(found.symbol, expected: payload)
}

private func withFixedCRCs(_ png: [UInt8]) -> [UInt8] {
    var bytes = png
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        let end = offset + 8 + length
        guard length >= 0, end + 4 <= bytes.count else { break }
        let crc = PNGBuilder.crc32(bytes[(offset + 4)..<end])
        bytes[end] = UInt8(crc >> 24); bytes[end + 1] = UInt8((crc >> 16) & 0xFF)
        bytes[end + 2] = UInt8((crc >> 8) & 0xFF); bytes[end + 3] = UInt8(crc & 0xFF)
        offset = end + 4
    }
    return bytes
}
