import Foundation

/// A path relative to an archive root that cannot leave it: no `..` component, not absolute,
/// no NUL byte, no empty component. Ids and categories from user input pass through this
/// before they touch the file system.
public struct ArchivePath: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: String

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case absolute(String)
        case parentReference(String)
        case nulByte(String)
        case emptyComponent(String)

        public var description: String {
            switch self {
            case .empty: return "path is empty"
            case .absolute(let p): return "path '\(p)' is absolute; an archive path is relative to the archive root"
            case .parentReference(let p): return "path '\(p)' contains '..' and could leave the archive root"
            case .nulByte(let p): return "path '\(p.replacingOccurrences(of: "\0", with: "\\0"))' contains a NUL byte"
            case .emptyComponent(let p): return "path '\(p)' has an empty component"
            }
        }
    }

    public init(_ value: String) throws(Problem) {
        guard !value.isEmpty else { throw .empty }
        // One pass over the bytes (every article read from the index checks its paths): a NUL
        // anywhere; components end at '/', none may be empty or "..".
        var nul = false, parent = false, empty = false
        var v = value
        v.withUTF8 { bytes in
            var start = 0
            for i in 0...bytes.count {
                guard i == bytes.count || bytes[i] == UInt8(ascii: "/") else {
                    if bytes[i] == 0 { nul = true }
                    continue
                }
                let length = i - start
                if length == 0 { empty = true }
                if length == 2 && bytes[start] == UInt8(ascii: ".") && bytes[start + 1] == UInt8(ascii: ".") { parent = true }
                start = i + 1
            }
        }
        // In this order of precedence: a NUL byte, an absolute path, a "..", an empty component.
        if nul { throw .nulByte(value) }
        if value.utf8.first == UInt8(ascii: "/") || value.utf8.first == UInt8(ascii: "\\") { throw .absolute(value) }
        if parent { throw .parentReference(value) }
        if empty { throw .emptyComponent(value) }
        self.value = value
    }

    public var description: String { value }

    /// The folder that holds the file, relative to the archive root ("" at the root): the part
    /// before the last "/". Bulk writers group thousands of files by folder; Foundation's
    /// `deletingLastPathComponent` bridged each path to an NSString for it.
    public var folder: String {
        guard let slash = value.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(value[..<slash])
    }

    /// The file's name: the part after the last "/".
    public var name: String {
        guard let slash = value.utf8.lastIndex(of: UInt8(ascii: "/")) else { return value }
        return String(value[value.utf8.index(after: slash)...])
    }

    public static func < (a: ArchivePath, b: ArchivePath) -> Bool { a.value < b.value }
}

extension ArchivePath: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
