import Testing
@testable import SharemarkQR

@Test func levelNamesParseInEitherCase() {
    #expect(ErrorCorrectionLevel(name: "l") == .L)
    #expect(ErrorCorrectionLevel(name: "H") == .H)
    #expect(ErrorCorrectionLevel(name: "X") == nil)
}
