import Foundation
import HummingbirdTesting
import NIOCore
import Testing
import TirekCore
import TirekMedia
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// The lesson's hub tracks are written to disk (camera as IVF, audio as Ogg Opus), listed and
/// downloadable through the admin API, and the files decode.
@Suite struct RecordingTests {
    static func temporaryFolder() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-rec-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// GET with the admin key, the body as bytes.
    static func download(_ server: RunningServer, _ path: String) async throws -> (status: Int, bytes: [UInt8], type: String?) {
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let response = try await client.execute(.init(path, method: .get, headers: [.authorization: "Bearer \(RunningServer.adminKey)"]))
            return (response.status.code, response.body.map { Array($0.readableBytesView) } ?? [], response.headers[.contentType])
        }
    }

    static func listing(_ server: RunningServer, _ lesson: String) async throws -> [String: Any] {
        let (status, body) = try await server.request(.get, "/v1/lessons/\(lesson)/recordings")
        guard status == 200 else { throw TestFailure("recordings gave \(status): \(body)") }
        return try JSON.object(body)
    }

    /// (timestamp, frame) of every frame of an IVF file, checking the header.
    static func parseIVF(_ b: [UInt8]) throws -> (width: Int, height: Int, count: Int, frames: [(Int64, [UInt8])]) {
        guard b.count >= 32, Array(b[0..<4]) == Array("DKIF".utf8), Array(b[8..<12]) == Array("VP80".utf8) else {
            throw TestFailure("not an IVF/VP8 file")
        }
        func le(_ at: Int, _ n: Int) -> Int64 { (0..<n).reduce(Int64(0)) { $0 | Int64(b[at + $1]) << (8 * $1) } }
        var frames: [(Int64, [UInt8])] = []
        var at = 32
        while at + 12 <= b.count {
            let size = Int(le(at, 4))
            guard at + 12 + size <= b.count else { throw TestFailure("IVF frame cut short") }
            frames.append((le(at + 4, 8), Array(b[at + 12..<at + 12 + size])))
            at += 12 + size
        }
        return (Int(le(12, 2)), Int(le(14, 2)), Int(le(24, 4)), frames)
    }

    /// The packets of an Ogg stream (single logical stream, packets may span pages).
    static func oggPackets(_ b: [UInt8]) throws -> [[UInt8]] {
        var packets: [[UInt8]] = [], current: [UInt8] = []
        var at = 0
        while at < b.count {
            guard b.count - at >= 27, Array(b[at..<at + 4]) == Array("OggS".utf8) else { throw TestFailure("bad Ogg page at \(at)") }
            let segments = Int(b[at + 26])
            var body = at + 27 + segments
            for i in 0..<segments {
                let length = Int(b[at + 27 + i])
                current += b[body..<body + length]
                body += length
                if length < 255 { packets.append(current); current = [] }
            }
            at = body
        }
        return packets
    }

    @Test func hubTracksAreRecordedListedDownloadedAndDecode() async throws {
        let root = Self.temporaryFolder()
        let server = try await RunningServer.start { $0.recordingsDirectory = root }
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let empty = try await Self.listing(server, lesson.lessonID)
        #expect(empty["enabled"] as? Bool == true)
        #expect((empty["files"] as? [Any])?.isEmpty == true, "nothing before the lesson publishes")

        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        try await hub.request(#"{"type":"lesson.start","id":"go"}"#, id: "go")
        // A video frame that is not a VP8 keyframe comes first: a file starts at a keyframe, so it is skipped.
        try await hub.send(binary: MediaFrames.frame(track: .camera, sequence: 999, keyframe: false, size: 200, timestamp: 1))
        let stream = try MediaEndToEndTests.encodedStream()
        let schedule = (stream.video + stream.audio).enumerated()
            .sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
        for frame in schedule { try await hub.send(binary: frame) }

        // While the lesson runs, its files are listed as in progress.
        let deadline = ContinuousClock.now + .seconds(10)
        var live: [[String: Any]] = []
        while ContinuousClock.now < deadline {
            live = try await Self.listing(server, lesson.lessonID)["files"] as? [[String: Any]] ?? []
            if live.count == 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(live.count == 2 && live.allSatisfy { $0["in_progress"] as? Bool == true })

        try await hub.request(#"{"type":"lesson.end","id":"end"}"#, id: "end")
        var files: [[String: Any]] = []
        var recording = true
        while ContinuousClock.now < deadline {
            let listing = try await Self.listing(server, lesson.lessonID)
            files = listing["files"] as? [[String: Any]] ?? []
            recording = listing["recording"] as? Bool ?? true
            if !recording, files.count == 2, files.allSatisfy({ $0["in_progress"] as? Bool == false }) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!recording, "the recording stops when the lesson ends")
        #expect(Set(files.compactMap { $0["track"] as? String }) == ["camera", "audio"])
        #expect(Set(files.compactMap { $0["format"] as? String }) == ["ivf", "ogg_opus"])
        #expect(files.allSatisfy { $0["in_progress"] as? Bool == false })

        // The camera: an IVF file whose every frame decodes to the frame that was sent.
        let camera = try #require(files.first { $0["track"] as? String == "camera" })
        let ivfDownload = try await Self.download(server, try #require(camera["url"] as? String))
        #expect(ivfDownload.status == 200)
        #expect(ivfDownload.type == "video/x-ivf")
        #expect(ivfDownload.bytes.count == camera["bytes"] as? Int)
        let ivf = try Self.parseIVF(ivfDownload.bytes)
        #expect(ivf.width == MediaEndToEndTests.width && ivf.height == MediaEndToEndTests.height)
        #expect(ivf.count == MediaEndToEndTests.videoFrames, "the frame count in the header is filled in")
        #expect(ivf.frames.count == MediaEndToEndTests.videoFrames)
        let pattern = TestPattern(width: MediaEndToEndTests.width, height: MediaEndToEndTests.height, noise: 8)
        let decoder = try VP8Decoder()
        var counters: [Int] = []
        for (_, frame) in ivf.frames {
            let image = try #require(try decoder.decode(frame))
            counters.append(pattern.readFrameCounter(from: image) ?? -1)
        }
        #expect(counters == Array(0..<MediaEndToEndTests.videoFrames))
        #expect(ivf.frames.map(\.0) == (0..<MediaEndToEndTests.videoFrames).map { Int64($0) * 1_000_000 / 30 },
                "timestamps in µs from the first recorded frame")

        // The audio: Ogg Opus with OpusHead, OpusTags and every packet, each decoding to 20 ms.
        let audio = try #require(files.first { $0["track"] as? String == "audio" })
        let oggDownload = try await Self.download(server, try #require(audio["url"] as? String))
        #expect(oggDownload.type?.hasPrefix("audio/ogg") == true)
        let packets = try Self.oggPackets(oggDownload.bytes)
        #expect(packets.count == 2 + MediaEndToEndTests.audioFrames)
        #expect(packets.first.map { Array($0.prefix(8)) } == Array("OpusHead".utf8))
        let opus = try OpusDecoder(channels: 1)
        for packet in packets.dropFirst(2) {
            #expect(try opus.decode(packet).count == OpusEncoder.samplesPerChannel)
        }

        // Other names are not served.
        for bad in ["..%2Ftirek.sqlite", "x.txt", "missing.ivf"] {
            #expect(try await Self.download(server, "/v1/lessons/\(lesson.lessonID)/recordings/\(bad)").status == 404)
        }
        #expect(try await server.request(.get, "/v1/lessons/nope/recordings").status == 404)
        #expect(try await server.request(.get, "/v1/lessons/\(lesson.lessonID)/recordings", admin: false).status == 401)
        await hub.close()
        try await server.stop()
    }

    @Test func shutdownFinishesTheFiles() async throws {
        let root = Self.temporaryFolder()
        let server = try await RunningServer.start { $0.recordingsDirectory = root }
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        let stream = try MediaEndToEndTests.encodedStream()
        for (_, frame) in stream.video.prefix(20) { try await hub.send(binary: frame) }
        // Wait until the frames reached the server (the file exists), then shut down mid-lesson.
        let folder = LessonRecorder.directory(root: root, lesson: LessonID(lesson.lessonID))
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty ?? true {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        try await server.stop()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names.count == 1 && names[0].hasSuffix("-camera.ivf"))
        let ivf = try Self.parseIVF(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + names[0]))))
        #expect(ivf.count == 20 && ivf.frames.count == 20, "finished on shutdown: the header's frame count is written")
    }

    @Test func serverWithoutRecordingsSaysSo() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let listing = try await Self.listing(server, lesson.lessonID)
        #expect(listing["enabled"] as? Bool == false)
        #expect((listing["files"] as? [Any])?.isEmpty == true)
        try await server.stop()
    }
}
