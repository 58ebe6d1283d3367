import Foundation

/// A netpbm image (P5 gray or P6 colour) with samples scaled to 0...255, so that a 1-bit-deep
/// alpha plane (maxval 1) and an 8-bit one compare equal when they mean the same.
struct PNM: Equatable {
    let width: Int
    let height: Int
    let channels: Int
    let samples: [UInt8]

    init(_ data: Data) throws {
        struct Malformed: Error {}
        let bytes = [UInt8](data)
        var index = 0
        func token() throws -> String {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 || bytes[index] == 0x0D {
                index += 1
            }
            let start = index
            while index < bytes.count, !(bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 || bytes[index] == 0x0D) {
                index += 1
            }
            guard start < index else { throw Malformed() }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        let magic = try token()
        if magic == "P4" {
            // A bitmap: 1 bit per pixel, 1 = black, rows padded to whole bytes.
            guard let w = Int(try token()), let h = Int(try token()) else { throw Malformed() }
            index += 1
            let rowBytes = (w + 7) / 8
            guard bytes.count - index == rowBytes * h else { throw Malformed() }
            var samples: [UInt8] = []
            for y in 0..<h {
                for x in 0..<w {
                    let bit = bytes[index + y * rowBytes + x / 8] >> (7 - UInt8(x % 8)) & 1
                    samples.append(bit == 1 ? 0 : 255)
                }
            }
            (width, height, channels, self.samples) = (w, h, 1, samples)
            return
        }
        guard magic == "P5" || magic == "P6", let w = Int(try token()), let h = Int(try token()),
              let maxval = Int(try token()), maxval > 0, maxval < 256 else { throw Malformed() }
        index += 1  // the single whitespace after maxval
        channels = magic == "P6" ? 3 : 1
        width = w
        height = h
        let raw = bytes[index...]
        guard raw.count == w * h * channels else { throw Malformed() }
        samples = raw.map { UInt8(Int($0) * 255 / maxval) }
    }
}
