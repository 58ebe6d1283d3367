// The options model lives in SharemarkQROptions (no C library); every client of SharemarkQR
// sees it as part of this module.
@_exported import SharemarkQROptions

extension QROptions {
    /// The PNG of `payload` encoded and drawn with these options.
    /// (`compression` applies to the compact style.)
    public func png(for payload: String, compression: PNGRenderer.Compression = .fast) throws(QRError) -> [UInt8] {
        let symbol = try QREncoder(level: level).encode(payload)
        return try PNGRenderer(options: self, compression: compression).render(symbol)
    }
}
