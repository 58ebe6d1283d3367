import Testing
@testable import SharemarkArchive

/// The one markup escaper (JUnit reports, the service's page), pinned character class by class.
@Test func markupEscapingPinned() {
    #expect(markupEscaped("plain text, 中文 ✓") == "plain text, 中文 ✓")
    #expect(markupEscaped(#"<a href="x">&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
    #expect(markupEscaped("a\nb\tc\rd") == "a&#10;b&#9;c&#13;d")
    #expect(markupEscaped("\u{0}\u{1}\u{1F}\u{FFFE}\u{FFFF}x") == "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}x")
    #expect(markupEscaped("\u{7F}\u{FFFD}\u{10FFFF}") == "\u{7F}\u{FFFD}\u{10FFFF}", "allowed in XML 1.0: kept")
}
