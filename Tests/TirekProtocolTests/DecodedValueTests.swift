import Testing
import TirekCore
@testable import TirekProtocol

/// What the decoder hands the server for valid messages (the vectors check only type and id).
@Suite struct DecodedValueTests {
    func decode(_ text: String) throws -> ClientFrame {
        try ControlDecoder().decode(Array(text.utf8))
    }

    @Test func extendCarriesMinutesAndPhase() throws {
        let frame = try decode(#"{"type":"lesson.extend","id":"e","minutes":5,"phase":1}"#)
        #expect(frame == ClientFrame(id: "e", message: .lessonExtend(LessonExtend(minutes: 5, phase: 1))))
        #expect(frame.message.expectedPhase == 1)
        #expect(LessonCommand.Kind(frame.message) == .extend(minutes: 5))
    }

    @Test func handOverCarriesPhase() throws {
        let frame = try decode(#"{"type":"lesson.hand_over","phase":2}"#)
        #expect(frame.message == .lessonHandOver(LessonHandOver(phase: 2)))
        #expect(frame.message.expectedPhase == 2)
        #expect(LessonCommand.Kind(frame.message) == .handOver)
        #expect(try decode(#"{"type":"lesson.hand_over"}"#).message.expectedPhase == nil)
    }

    @Test func lessonCommandsMapToEngineCommands() throws {
        #expect(LessonCommand.Kind(try decode(#"{"type":"lesson.start","phase":4}"#).message) == .start)
        #expect(try decode(#"{"type":"lesson.start","phase":4}"#).message.expectedPhase == nil)
        #expect(LessonCommand.Kind(try decode(#"{"type":"lesson.pause"}"#).message) == .pause)
        #expect(LessonCommand.Kind(try decode(#"{"type":"lesson.resume"}"#).message) == .resume)
        #expect(LessonCommand.Kind(try decode(#"{"type":"lesson.end"}"#).message) == .end)
        #expect(LessonCommand.Kind(try decode(#"{"type":"ping"}"#).message) == nil)
        #expect(LessonCommand.Kind(try decode(#"{"type":"media.prefs"}"#).message) == nil)
    }

    @Test func mediaPrefsDefaultToFalse() throws {
        #expect(try decode(#"{"type":"media.prefs"}"#).message == .mediaPreferences(MediaPreferences()))
        #expect(try decode(#"{"type":"media.prefs","low_bandwidth":true}"#).message
                == .mediaPreferences(MediaPreferences(audioOnly: false, lowBandwidth: true)))
    }

    @Test func keyframeRequestNamesAVideoTrack() throws {
        guard case .keyframeRequest(let request) = try decode(#"{"type":"media.keyframe_request","track":"camera_low"}"#).message else {
            Issue.record("not a keyframe request"); return
        }
        #expect(request.mediaTrack == .cameraLow)
    }

    @Test func pingEchoesT() throws {
        #expect(try decode(#"{"type":"ping","t":42}"#).message == .ping(Ping(t: 42)))
        #expect(try decode(#"{"type":"ping"}"#).message == .ping(Ping()))
    }

    @Test func allTypesIsTheSortedCatalogue() {
        #expect(ClientMessage.allTypes == ClientMessage.allTypes.sorted())
        #expect(Set(ClientMessage.allTypes).count == ClientMessage.allTypes.count)
    }
}
