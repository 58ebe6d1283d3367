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
