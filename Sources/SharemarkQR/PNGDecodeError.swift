/// Why PNG bytes could not be turned into pixels.
public enum PNGDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the PNG signature.
    case notPNG
    /// The header claims more pixels than the reader's limits allow; refused before any
    /// pixel memory is allocated (a few hundred bytes of PNG can claim gigabytes).
    case tooLarge(width: Int, height: Int, maxWidth: Int, maxHeight: Int, maxPixels: Int)
    /// libpng found the data broken: truncated, bad CRC, bad compressed stream, ...
    case corrupt(String)
    case outOfMemory

    public var description: String {
        switch self {
        case .notPNG:
            return "not a PNG image (the PNG signature is missing)"
        case let .tooLarge(width, height, maxWidth, maxHeight, maxPixels):
            return "PNG image of \(width)×\(height) pixels is larger than allowed "
                + "(at most \(maxWidth)×\(maxHeight) and \(maxPixels) pixels)"
        case let .corrupt(reason):
            return "broken PNG image: \(reason)"
        case .outOfMemory:
            return "out of memory while decoding a PNG image"
        }
    }
}
