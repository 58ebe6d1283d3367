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
        if value.utf8.contains(0) { throw .nulByte(value) }
        if value.hasPrefix("/") || value.hasPrefix("\\") { throw .absolute(value) }
        let components = value.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if component == ".." { throw .parentReference(value) }
            if component.isEmpty { throw .emptyComponent(value) }
        }
        self.value = value
    }

    public var description: String { value }
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
