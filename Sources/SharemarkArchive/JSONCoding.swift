import Foundation

/// The JSON settings every part of Sharemark writes with: keys sorted (stable output for diffs
/// and for comparing stored values), slashes not escaped (URLs stay readable).
public enum JSONCoding {
    public static var sortedEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// For people: as `sortedEncoder`, indented.
    public static var prettyEncoder: JSONEncoder {
        let encoder = sortedEncoder
        encoder.outputFormatting.insert(.prettyPrinted)
        return encoder
    }

    public static var decoder: JSONDecoder { JSONDecoder() }
}
