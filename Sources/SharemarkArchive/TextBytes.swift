#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text compared as its UTF-8 bytes. `==` on strings compares Characters, and so takes two
/// spellings of one character (`é` as one code point, or `e` and a combining accent) for one;
/// what the index stores, and writes back into pages, keeps them apart, as SQLite does. Each
/// comparison is one `memcmp` on the strings' own storage: comparing the UTF-8 views element
/// by element was a measurable part of writing every row of a new index.
extension String {
    /// Calls `body` with the string's UTF-8 bytes, without copying a native string.
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var native = self
        return try native.withUTF8(body)
    }

    /// Whether the two strings are the same bytes.
    func hasSameBytes(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        return withUTF8Bytes { a in other.withUTF8Bytes { b in a.elementsEqualBytes(b) } }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the two buffers hold the same bytes.
    func elementsEqualBytes(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
        count == other.count && (count == 0 || memcmp(baseAddress!, other.baseAddress!, count) == 0)
    }

    /// Whether the buffer ends in the bytes of `suffix`.
    func hasSuffixBytes(_ suffix: UnsafeBufferPointer<UInt8>) -> Bool {
        count >= suffix.count && UnsafeBufferPointer(rebasing: self[(count - suffix.count)...]).elementsEqualBytes(suffix)
    }
}

extension StaticString {
    /// The literal's UTF-8 bytes (a literal's storage lives as long as the program).
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount) }
}
