/// Why a symbol could not be encoded or rendered. Each case carries what a user needs to fix it.
public enum QRError: Error, Equatable, Sendable, CustomStringConvertible {
    /// QR codes of zero bytes are not useful and libqrencode refuses them.
    case emptyInput
    /// Text passed as a C string would end at the first NUL; such payloads must go through
    /// `QREncoder.encode(bytes:)` (8-bit mode, as `qrencode -8`).
    case textContainsNUL
    /// The payload does not fit a version 40 symbol at this level. `maximum` is the largest
    /// 8-bit-mode payload that fits (text of digits or upper-case letters may fit more).
    case dataTooLong(byteCount: Int, maximum: Int, level: ErrorCorrectionLevel)
    case versionOutOfRange(Int)
    case scaleOutOfRange(Int)
    case marginOutOfRange(Int)
    case dpiOutOfRange(Int)
    /// Colours are `RRGGBB` or `RRGGBBAA` in hexadecimal, as `qrencode --foreground`.
    case invalidColour(String)
    /// libqrencode failed for another reason (its errno text).
    case encodingFailed(String)
    /// libpng failed while writing (its message).
    case pngWriteFailed(String)

    public var description: String {
        switch self {
        case .emptyInput:
            return "the input is empty: there is nothing to encode"
        case .textContainsNUL:
            return "the text contains a NUL byte; encode it as bytes (8-bit mode) instead"
        case let .dataTooLong(byteCount, maximum, level):
            return "the input is too long: \(byteCount) bytes; at most \(maximum) bytes fit "
                + "a QR symbol (version 40) at error-correction level \(level.rawValue)"
        case let .versionOutOfRange(version):
            return "symbol version \(version) is out of range: use 1...40, or none for automatic"
        case let .scaleOutOfRange(scale):
            return "scale \(scale) is out of range: use \(QROptions.scales.lowerBound)...\(QROptions.scales.upperBound) pixels per module"
        case let .marginOutOfRange(margin):
            return "margin \(margin) is out of range: use \(QROptions.margins.lowerBound)...\(QROptions.margins.upperBound) modules"
        case let .dpiOutOfRange(dpi):
            return "DPI \(dpi) is out of range: use \(QROptions.dpis.lowerBound)...\(QROptions.dpis.upperBound)"
        case let .invalidColour(text):
            return "invalid colour \"\(text)\": use RRGGBB or RRGGBBAA in hexadecimal, e.g. 000000 or ffffff80"
        case let .encodingFailed(reason):
            return "libqrencode could not encode the input: \(reason)"
        case let .pngWriteFailed(reason):
            return "libpng could not write the image: \(reason)"
        }
    }
}
