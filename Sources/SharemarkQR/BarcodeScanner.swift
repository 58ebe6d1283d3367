import CZBar

/// Finds QR codes in images with libzbar: the slow but general way, for images that other
/// encoders made (other geometry, anti-aliasing, photos). About 10 ms per image; prefer
/// `QRImageReader.check` for images of known geometry.
public struct BarcodeScanner: Sendable {
    public init() {}

    /// The payloads of all QR codes in a PNG image, as raw bytes.
    public func scan(pngBytes: some Collection<UInt8>) throws(PNGDecodeError) -> [[UInt8]] {
        scan(try PNGImage(pngBytes: pngBytes))
    }

    /// The payloads of all QR codes in an image, as raw bytes (zbar's binary mode: no
    /// character-set conversion).
    public func scan(_ image: PNGImage) -> [[UInt8]] {
        let gray = image.grayPixels()
        // Each call has its own scanner and image: zbar objects are not shared across threads.
        guard let scanner = zbar_image_scanner_create() else { return [] }
        defer { zbar_image_scanner_destroy(scanner) }
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
        guard let zimage = zbar_image_create() else { return [] }
        defer { zbar_image_destroy(zimage) }
        // "Y800": 8-bit gray, one byte per pixel.
        let y800 = UInt(UInt8(ascii: "Y")) | UInt(UInt8(ascii: "8")) << 8
            | UInt(UInt8(ascii: "0")) << 16 | UInt(UInt8(ascii: "0")) << 24
        zbar_image_set_format(zimage, y800)
        zbar_image_set_size(zimage, UInt32(image.width), UInt32(image.height))
        return gray.withUnsafeBufferPointer { buffer -> [[UInt8]] in
            // zbar only reads the data; it is released by `gray`, not by zbar (no cleanup handler).
            zbar_image_set_data(zimage, buffer.baseAddress, UInt(buffer.count), nil)
            guard zbar_scan_image(scanner, zimage) > 0 else { return [] }
            var payloads: [[UInt8]] = []
            var symbol = zbar_image_first_symbol(zimage)
            while let current = symbol {
                let length = Int(zbar_symbol_get_data_length(current))
                if let data = zbar_symbol_get_data(current) {
                    payloads.append(data.withMemoryRebound(to: UInt8.self, capacity: length) {
                        Array(UnsafeBufferPointer(start: $0, count: length))
                    })
                }
                symbol = zbar_symbol_next(current)
            }
            return payloads
        }
    }
}
