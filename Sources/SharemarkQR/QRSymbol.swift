/// A QR symbol: a square matrix of dark and light modules, without quiet zone. A plain value,
/// independent of where it came from (the encoder, or an image read back by `QRImageReader`)
/// and of how it is drawn (PNG, SVG, terminal).
public struct QRSymbol: Equatable, Sendable {
    /// Symbol version, 1...40; `size == 17 + 4 * version`.
    public let version: Int
    /// Modules per side.
    public let size: Int
    /// Row-major, `size * size` entries, `true` for a dark module.
    public let modules: [Bool]

    public init(version: Int, modules: [Bool]) {
        precondition((1...40).contains(version), "QR versions are 1...40")
        let size = 17 + 4 * version
        precondition(modules.count == size * size, "a version \(version) symbol has \(size * size) modules")
        self.version = version
        self.size = size
        self.modules = modules
    }

    /// Whether the module in column `x`, row `y` (from the top left, 0-based) is dark.
    public func isDark(x: Int, y: Int) -> Bool {
        modules[y * size + x]
    }

    /// The error-correction level the symbol's format information declares (ISO/IEC 18004
    /// 7.9): bits 0–7 down column 8, bits 8–14 leftwards along row 8, next to the top-left
    /// finder. Read from the modules rather than stored, so that a symbol read from an image
    /// and one from the encoder are the same kind of value; nil when the 15 bits are not a
    /// valid format word (which the encoder never writes).
    public var level: ErrorCorrectionLevel? {
        var format = 0
        for i in 0..<15 {
            let (x, y): (Int, Int)
            if i < 6 { (x, y) = (8, i) } else if i < 8 { (x, y) = (8, i + 1) }
            else if i == 8 { (x, y) = (7, 8) } else { (x, y) = (14 - i, 8) }
            if isDark(x: x, y: y) { format |= 1 << i }
        }
        let unmasked = format ^ 0x5412
        // A valid word is 5 data bits followed by their BCH(15,5) remainder.
        var remainder = (unmasked >> 10) << 10
        for bit in stride(from: 14, through: 10, by: -1) where remainder & (1 << bit) != 0 {
            remainder ^= 0x537 << (bit - 10)
        }
        guard remainder == unmasked & 0x3FF else { return nil }
        switch unmasked >> 13 {
        case 1: return .L
        case 0: return .M
        case 3: return .Q
        default: return .H
        }
    }
}
