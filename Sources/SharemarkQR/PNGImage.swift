import CPNGShim

/// A decoded PNG: 8-bit RGBA pixels, whatever the file's colour type, bit depth or interlacing.
public struct PNGImage: Equatable, Sendable {
    /// Default limits: 8192×8192 and 64 Mi pixels (256 MiB of RGBA) at most.
    public static let defaultMaxSide = 8192
    public static let defaultMaxPixels = 64 << 20

    public let width: Int
    public let height: Int
    /// Row-major, 4 bytes (red, green, blue, alpha) per pixel.
    public let rgba: [UInt8]

    public init(width: Int, height: Int, rgba: [UInt8]) {
        precondition(rgba.count == width * height * 4, "RGBA needs 4 bytes per pixel")
        self.width = width
        self.height = height
        self.rgba = rgba
    }

    /// Decodes PNG bytes with libpng. Headers claiming more than the limits are refused before
    /// any pixel buffer is allocated.
    public init(pngBytes: some Collection<UInt8>, maxWidth: Int = defaultMaxSide,
                maxHeight: Int = defaultMaxSide, maxPixels: Int = defaultMaxPixels) throws(PNGDecodeError) {
        let data = Array(pngBytes)
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer { buffer in
            sharemark_png_read_rgba(
                buffer.baseAddress, buffer.count, UInt32(clamping: maxWidth), UInt32(clamping: maxHeight),
                UInt64(clamping: maxPixels), &pixels, &width, &height, &message, message.count)
        }
        switch Int(status) {
        case Int(SHAREMARK_PNG_OK):
            guard let pixels else { throw .outOfMemory }
            defer { sharemark_png_free(pixels) }
            let count = Int(width) * Int(height) * 4
            self.init(width: Int(width), height: Int(height),
                      rgba: Array(UnsafeBufferPointer(start: pixels, count: count)))
        case Int(SHAREMARK_PNG_NOT_PNG):
            throw .notPNG
        case Int(SHAREMARK_PNG_TOO_LARGE):
            throw .tooLarge(width: Int(width), height: Int(height), maxWidth: maxWidth,
                            maxHeight: maxHeight, maxPixels: maxPixels)
        case Int(SHAREMARK_PNG_NO_MEMORY):
            throw .outOfMemory
        default:
            throw .corrupt(cString(message))
        }
    }

    public func pixel(x: Int, y: Int) -> RGBAColor {
        let i = (y * width + x) * 4
        return RGBAColor(red: rgba[i], green: rgba[i + 1], blue: rgba[i + 2], alpha: rgba[i + 3])
    }

    /// 8-bit luminance (ITU-R BT.601 weights), composited over white: what a scanner sees of
    /// a transparent image on a white page.
    public func grayPixels() -> [UInt8] {
        var gray = [UInt8](repeating: 0, count: width * height)
        rgba.withUnsafeBufferPointer { source in
            for i in 0..<(width * height) {
                let r = Int(source[4 * i]), g = Int(source[4 * i + 1]), b = Int(source[4 * i + 2])
                let a = Int(source[4 * i + 3])
                let luma = (299 * r + 587 * g + 114 * b) / 1000
                gray[i] = UInt8((luma * a + 255 * (255 - a)) / 255)
            }
        }
        return gray
    }
}
