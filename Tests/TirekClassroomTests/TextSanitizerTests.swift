import Testing
@testable import TirekClassroom

@Suite struct TextSanitizerTests {
    @Test func stripsControlAndSpoofingCharacters() {
        #expect(TextSanitizer.sanitize("a\u{0000}b\u{0007}c\u{001B}[31md\u{007F}e") == "abc[31mde")
        #expect(TextSanitizer.sanitize("abc\u{202E}fed\u{2066}x\u{200B}y\u{FEFF}") == "abcfedxy")
        // Zero-width joiner inside an emoji sequence is kept.
        #expect(TextSanitizer.sanitize("👩\u{200D}🏫") == "👩\u{200D}🏫")
        #expect(TextSanitizer.sanitize("tab\there") == "tab here")
    }

    @Test func normalisesAndCollapsesNewlines() {
        #expect(TextSanitizer.sanitize("a\r\nb\rc\u{2028}d") == "a\nb\nc\nd")
        #expect(TextSanitizer.sanitize("a\n\n\n\n\nb") == "a\n\nb")
        #expect(TextSanitizer.sanitize("a  \n \t \n\n  b  ") == "a\n\n  b")
        #expect(TextSanitizer.sanitize("\n\n  hello \n\n") == "hello")
        #expect(TextSanitizer.sanitize("a\n\n\nb", maxConsecutiveNewlines: 1) == "a\nb")
        #expect(TextSanitizer.sanitize("a\nb\r\nc", allowNewlines: false) == "a b c")
        #expect(TextSanitizer.sanitize("<b>Сәлем</b> & \"hi\"") == "<b>Сәлем</b> & \"hi\"")
    }
}
