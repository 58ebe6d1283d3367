import Testing
@testable import SharemarkArchive

@Test func archivePathsCannotLeaveTheRoot() throws {
    #expect(try ArchivePath("pages/world/n1.md").value == "pages/world/n1.md")
    #expect(throws: ArchivePath.Problem.parentReference("pages/../../etc")) { try ArchivePath("pages/../../etc") }
    #expect(throws: ArchivePath.Problem.absolute("/etc/passwd")) { try ArchivePath("/etc/passwd") }
    #expect(throws: ArchivePath.Problem.nulByte("a\0b")) { try ArchivePath("a\0b") }
    #expect(throws: ArchivePath.Problem.empty) { try ArchivePath("") }
    #expect(throws: ArchivePath.Problem.emptyComponent("pages//x")) { try ArchivePath("pages//x") }
}

@Test func folderAndNameSplitAtTheLastSlash() throws {
    let page = try ArchivePath("pages/world/n1.md.png")
    #expect(page.folder == "pages/world")
    #expect(page.name == "n1.md.png")
    let top = try ArchivePath("README.md")
    #expect(top.folder == "")
    #expect(top.name == "README.md")
    let unicode = try ArchivePath("pages/文化/é.md")
    #expect(unicode.folder == "pages/文化")
    #expect(unicode.name == "é.md")
}

/// A path with several problems is refused for the first in this order: a NUL byte, being
/// absolute, a "..", an empty component.
@Test func pathProblemsArePrecedenceOrdered() throws {
    #expect(throws: ArchivePath.Problem.nulByte("/a\0/../b//c")) { try ArchivePath("/a\0/../b//c") }
    #expect(throws: ArchivePath.Problem.absolute("/a/../b//c")) { try ArchivePath("/a/../b//c") }
    #expect(throws: ArchivePath.Problem.parentReference("a//b/../c")) { try ArchivePath("a//b/../c") }
    #expect(throws: ArchivePath.Problem.emptyComponent("a/b/")) { try ArchivePath("a/b/") }
    // A slash with a combining mark is still a leading slash.
    #expect(throws: ArchivePath.Problem.absolute("/\u{301}x")) { try ArchivePath("/\u{301}x") }
    #expect(throws: ArchivePath.Problem.absolute("\\x")) { try ArchivePath("\\x") }
    #expect(try ArchivePath("a/..b/c..").value == "a/..b/c..")
}

/// Paths order as their text does, strictly: no path comes before itself (sorting and binary
/// search rely on it).
@Test func archivePathsOrderStrictly() throws {
    let a = try ArchivePath("pages/a/1.md"), b = try ArchivePath("pages/b/1.md")
    #expect(a < b && !(b < a))
    #expect(!(a < a) && !(b < b))
    #expect([b, a, b].sorted() == [a, b, b])
}
