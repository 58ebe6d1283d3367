import Testing
@testable import SharemarkServer

/// A category or id from the path names one file-name component or nothing.
@Suite struct RequestInputTests {
    @Test(arguments: [
        ("n10000056", "n10000056"),
        ("butongdeshengyin", "butongdeshengyin"),
        ("a.b", "a.b"),
        (".hidden", ".hidden"),
        ("%E4%B8%AD%E6%96%87", "中文"),
        ("中文", "中文"),
        ("p%3D4411%3Flang%3Db5", "p=4411?lang=b5"),
        ("a%20b", "a b"),
        ("a+b", "a+b"),
    ])
    func acceptedAsTheComponentItNames(raw: String, component: String) {
        #expect(RequestInput.pathComponent(raw) == component)
    }

    @Test(arguments: [
        "", ".", "..", "...", "..x", "%2e", "%2E%2E", ".%2e", "%2e%2e%2f",
        "a%2Fb", "a%2fb", "a/b", "a%5Cb", "a\\b", "%00", "a%0Ab", "a\u{7f}", "a%7F", "\tx",
        "%", "%zz", "a%4", "%FF", "%C3%28",
    ])
    func refused(raw: String) {
        #expect(RequestInput.pathComponent(raw) == nil, "\(raw.debugDescription) was accepted")
    }
}
