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
        let digits = Array(hex.utf8)
        guard digits.count == 6 || digits.count == 8 else { throw .invalidColour(hex) }
        var channels: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let high = Self.hexValue(digits[index]), let low = Self.hexValue(digits[index + 1]) else {
                throw .invalidColour(hex)
            }
            channels.append(high << 4 | low)
            index += 2
        }
        self.init(red: channels[0], green: channels[1], blue: channels[2],
                  alpha: channels.count == 4 ? channels[3] : 255)
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

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
