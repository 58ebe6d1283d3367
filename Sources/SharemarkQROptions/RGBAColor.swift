/// An 8-bit-per-channel colour with alpha, written in hexadecimal like `qrencode --foreground`.
public struct RGBAColor: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    public var alpha: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// Parses `RRGGBB` (opaque) or `RRGGBBAA`, hexadecimal digits in either case, nothing else
    /// (no `#`, no spaces), as qrencode's `color_set` accepts.
    public init(hex: String) throws(QRError) {
        // Only ASCII hexadecimal digits: the standard library's parser alone would also take a
        // sign ("+fffff") or, through Character, full-width digits.
        guard hex.utf8.count == 6 || hex.utf8.count == 8, hex.allSatisfy({ $0.isASCII && $0.isHexDigit }),
              let value = UInt32(hex, radix: 16) else { throw .invalidColour(hex) }
        let word = hex.utf8.count == 6 ? value << 8 | 0xFF : value
        self.init(red: UInt8(word >> 24), green: UInt8(word >> 16 & 0xFF), blue: UInt8(word >> 8 & 0xFF), alpha: UInt8(word & 0xFF))
    }

    public static let black = RGBAColor(red: 0, green: 0, blue: 0)
    public static let white = RGBAColor(red: 255, green: 255, blue: 255)

    public var isOpaque: Bool { alpha == 255 }

    /// `rrggbb`, the colour without alpha, in lower case.
    public var rgbHex: String {
        [red, green, blue].map(Self.twoDigits).joined()
    }

    /// `rrggbb` when opaque, else `rrggbbaa`.
    public var description: String {
        isOpaque ? rgbHex : rgbHex + Self.twoDigits(alpha)
    }

    private static func twoDigits(_ value: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(value >> 4)], digits[Int(value & 15)]])
    }
}
