import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// `tirek serve --low-rendition`: the setting's syntax, and a server started with `off` refusing
/// `low_bandwidth` while still taking `audio_only`.
@Suite struct LowRenditionSettingsTests {
    @Test func parsesSizeAndBitrateOrOff() throws {
        let s = try #require(try LowRenditionSettings.parse("480x270@250"))
        #expect((s.maxWidth, s.maxHeight, s.bitrateKbps) == (480, 270, 250))
        #expect(try LowRenditionSettings.parse("OFF") == nil)
        #expect(try LowRenditionSettings.parse("320x180@150") == LowRenditionSettings(), "the default spelled out")
    }

    @Test(arguments: ["", "320x180", "320x180@", "321x180@150", "320x180@10", "4000x180@150", "320@150", "axb@c", "320x180@150@1"])
    func refusesAnythingElse(_ text: String) {
        #expect(throws: LowRenditionSettings.ParseError.self) { try LowRenditionSettings.parse(text) }
    }

    @Test func aServerWithoutTheRenditionRefusesLowBandwidth() async throws {
        let server = try await RunningServer.start { $0.lowRendition = nil }
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let student = try await TestSocket.connect(lesson.url(server, "s1-0"))
        _ = try await student.next("welcome")
        try await student.send(#"{"type":"media.prefs","id":"p1","low_bandwidth":true}"#)
        let error = try await student.next("error")
        #expect(error["code"] as? String == "invalid_state")
        #expect(error["id"] as? String == "p1")
        #expect((error["message"] as? String)?.contains("audio_only") == true)
        let room = try #require(await server.app.rooms.liveRoom(for: LessonID(lesson.lessonID)))
        #expect(await !room.fanout.renditionActive)
        try await student.send(#"{"type":"media.prefs","id":"p2","audio_only":true}"#)
        let ack = try await student.next("ack")
        #expect(ack["id"] as? String == "p2")
        await student.close()
    }
}
