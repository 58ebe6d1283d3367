/// Writes PNGs byte by byte, for images and headers no encoder would write: chunks with their
/// CRC-32, and zlib streams of stored (uncompressed) blocks with their Adler-32.
///
/// Depends on nothing but the standard library: Scripts/fuzz.sh compiles this file into the
/// PNG reader's fuzz target too.
public enum PNGBuilder {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Signature, IHDR, one IDAT holding `idat` as it is, IEND.
    public static func png(width: Int, height: Int, bitDepth: UInt8, colourType: UInt8, idat: [UInt8]) -> [UInt8] {
        var out = signature
        out += chunk("IHDR", be32(width) + be32(height) + [bitDepth, colourType, 0, 0, 0])
        out += chunk("IDAT", idat)
        out += chunk("IEND", [])
        return out
    }

    /// An 8-bit image from its raw scanlines (each starting with its filter byte), stored.
    public static func png(width: Int, height: Int, colourType: UInt8, scanlines: [UInt8]) -> [UInt8] {
        png(width: width, height: height, bitDepth: 8, colourType: colourType, idat: zlibStored(scanlines))
    }

    /// Length, type, data, CRC-32 of type and data.
    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    /// The low 32 bits of `n`, big-endian.
    public static func be32(_ n: Int) -> [UInt8] {
        [UInt8((n >> 24) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
    }

    /// A zlib stream of stored (uncompressed) blocks of at most 65,535 bytes.
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var rest = data[...]
        repeat {
            let block = rest.prefix(65535)
            rest = rest.dropFirst(block.count)
            let n = block.count
            out += [rest.isEmpty ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += block
        } while !rest.isEmpty
        return out + be32(Int(adler32(data)))
    }

    /// CRC-32 as PNG and zlib use it (ISO 3309, reflected, polynomial 0xEDB88320).
    public static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    public static func adler32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
