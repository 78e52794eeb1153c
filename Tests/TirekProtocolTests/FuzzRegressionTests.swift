import Testing
import TirekCore
@testable import TirekProtocol

/// Inputs found by the libFuzzer targets in Fuzz/ (see Fuzz/README.md), kept as unit tests.
@Suite struct FuzzRegressionTests {
    func error(_ text: String) -> ProtocolError? {
        do {
            _ = try ControlDecoder().decode(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    /// ControlFuzzer, first run: JSONSerialization (which reads `type` and `id`) keeps the last of
    /// two equal names and JSONDecoder (which reads the payload) keeps the first, so the same frame
    /// meant two things. Repeated names are now `malformed`, at any depth and however escaped.
    @Test func repeatedNamesAreMalformed() {
        let found = #"{"type":"poll.start","id":"q1","kind":"scale","question":"Ho7 well did you understale","question":"Ho7 well did you und?"}"#
        #expect(error(found) == ProtocolError(.malformed, "duplicate key \"question\" in a JSON object"))
        #expect(error(#"{"type":"ping","type":"chat.send","scope":"lesson","text":"hi"}"#)?.code == .malformed)
        #expect(error(#"{"type":"ping","\u0074ype":"ping"}"#)?.code == .malformed)
        #expect(error(#"{"type":"ping","id":"a","id":"b"}"#)?.requestID == nil)
        #expect(error(#"{"type":"poll.tally","poll_id":"p","counts":[{"a":1,"a":2}]}"#)?.code == .malformed)
        #expect(error(#"{"type":"ping","x":{"k":1,"k":1}}"#)?.code == .malformed)
    }

    @Test func equalNamesInDifferentObjectsAreFine() {
        #expect(DuplicateKeys.first(in: Array(#"{"a":{"a":{"a":[{"a":1},{"a":2}]}}}"#.utf8)) == nil)
        #expect(DuplicateKeys.first(in: Array(#"{"a":"\"a\":1,{\"a\"","b":["a","a"],"c":"\\"}"#.utf8)) == nil)
        #expect(DuplicateKeys.first(in: Array(#"{"\ud83d\ude00":1,"😀 ":2,"\n":3,"\\n":4}"#.utf8)) == nil)
        #expect(DuplicateKeys.first(in: Array(#"{"\ud83d\ude00":1,"😀":2}"#.utf8)) == "😀")
        #expect(DuplicateKeys.first(in: Array(#"{"é":1,"e\u0301":2}"#.utf8)) == "e\u{301}")
        #expect(error(#"{"type":"ping","id":"a","t":5}"#) == nil)
    }

    /// ControlFuzzer, second run: an unknown enum value came back whole in the error message
    /// (Foundation's "Cannot initialize Scope from invalid String value pxxx…", 7 KB). Quotes are
    /// now clipped to 200 characters.
    @Test func errorMessagesQuoteTheInputBriefly() throws {
        let scope = "p" + String(repeating: "x", count: 7000) + "rivate"
        let found = try #require(error(#"{"type":"chat.send","scope":""# + scope + #"","to":"t","text":"Id"}"#))
        #expect(found.code == .invalidField)
        #expect(found.message.count <= ControlDecoder.maxQuotedCharacters + 40)
        #expect(found.message.hasSuffix("…"))
        let short = try #require(error(#"{"type":"chat.send","scope":"nowhere","text":"Id"}"#))
        #expect(short.code == .invalidField && !short.message.hasSuffix("…"))
    }
}
