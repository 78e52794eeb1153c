import Foundation
import Logging
import NIOCore
import Synchronization
import TirekCore
import TirekMedia
import TirekProtocol

/// Writes a lesson's hub tracks to disk so absent students can watch later: each VP8 track
/// (camera, screen) as IVF, the hub teacher's Opus audio as Ogg Opus, under
/// `<recordings>/lesson-<id>/`. A track's file is opened at its first frame (video: its first
/// keyframe) and finished when the lesson ends or the server shuts down.
///
/// The fan-out hands frames over without waiting (`record`); one task per lesson writes them.
/// If the disk falls more than `backlog` frames behind, newer frames are dropped and counted.
/// Timestamps in the files are the publisher's envelope timestamps, relative to the track's
/// first recorded frame.
final class LessonRecorder: Sendable {
    /// The recorded tracks (the hub's; talk-back and the server's own rendition are not recorded).
    static let tracks: Set<MediaTrack> = [.audio, .camera, .screen]
    static let backlog = 4096

    struct Item: Sendable {
        let frame: ByteBuffer
        let header: MediaHeader
    }

    let lessonID: LessonID
    /// This lesson's folder.
    let directory: String
    private let continuation: AsyncStream<Item>.Continuation
    private let writer: Task<Void, Never>
    private let stopped = Atomic<Bool>(false)
    private let state: Shared

    private final class Shared: Sendable {
        let files = Mutex<(active: Set<String>, dropped: Int)>(([], 0))
    }

    init(root: String, lessonID: LessonID, logger: Logger) {
        self.lessonID = lessonID
        let directory = Self.directory(root: root, lesson: lessonID)
        self.directory = directory
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingOldest(Self.backlog))
        self.continuation = continuation
        let state = Shared()
        self.state = state
        writer = Task.detached {
            var files = TrackFiles(directory: directory, lessonID: lessonID, logger: logger) { name, open in
                state.files.withLock { s in
                    if open { s.active.insert(name) } else { s.active.remove(name) }
                }
            }
            for await item in stream { files.write(item) }
            files.finishAll()
        }
    }

    /// Queues one published frame for the disk; never waits.
    func record(_ frame: ByteBuffer, header: MediaHeader) {
        guard Self.tracks.contains(header.track), !stopped.load(ordering: .relaxed) else { return }
        if case .dropped = continuation.yield(Item(frame: frame, header: header)) {
            state.files.withLock { $0.dropped += 1 }
        }
    }

    /// Stops recording: what is queued is written, then the files are finished. Later frames are ignored.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        continuation.finish()
    }

    /// Stops and waits until every file is finished on disk.
    func finish() async {
        stop()
        await writer.value
    }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }
    /// Names of the files being written now (not yet finished).
    var activeFiles: Set<String> { state.files.withLock { $0.active } }
    /// Frames dropped because the disk fell behind.
    var droppedFrames: Int { state.files.withLock { $0.dropped } }

    /// `<root>/lesson-<id>` (lesson ids are limited to A–Z a–z 0–9 . - _, so this is one path component).
    static func directory(root: String, lesson: LessonID) -> String {
        URL(fileURLWithPath: root).appendingPathComponent("lesson-\(lesson.rawValue)").path
    }
}

/// The open files of one lesson's recording; used only by the recorder's writer task.
private struct TrackFiles {
    let directory: String
    let lessonID: LessonID
    let logger: Logger
    let onChange: (String, Bool) -> Void
    private var video: [MediaTrack: VideoFile] = [:]
    private var audio: AudioFile?
    /// Tracks whose file failed (disk full, bad packets): not written again in this recording.
    private var failed: Set<MediaTrack> = []

    init(directory: String, lessonID: LessonID, logger: Logger, onChange: @escaping (String, Bool) -> Void) {
        self.directory = directory
        self.lessonID = lessonID
        self.logger = logger
        self.onChange = onChange
    }

    struct VideoFile {
        let name: String
        let writer: IVFWriter
        let firstTimestamp: UInt64
        var lastTimestamp: Int64 = -1
    }

    struct AudioFile {
        let name: String
        let writer: OggOpusWriter
    }

    mutating func write(_ item: LessonRecorder.Item) {
        let track = item.header.track
        guard !failed.contains(track) else { return }
        let payload = Array(item.frame.readableBytesView.dropFirst(MediaHeader.size))
        do {
            if track.kind == .video {
                try writeVideo(payload, header: item.header)
            } else {
                try writeAudio(payload)
            }
        } catch {
            failed.insert(track)
            logger.error("recording of a track failed; it is no longer written",
                         metadata: ["lesson": "\(lessonID)", "track": "\(track)", "error": "\(error)"])
            finish(track)
        }
    }

    private mutating func writeVideo(_ payload: [UInt8], header: MediaHeader) throws {
        let track = header.track
        let vp8 = VP8FrameHeader(payload)
        // A keyframe with a new picture size (another sharer's screen) starts a new file.
        if let vp8, vp8.isKeyframe, let w = vp8.width, let h = vp8.height, let file = video[track],
           file.writer.width != w || file.writer.height != h {
            finish(track)
        }
        if video[track] == nil {
            // A file starts at a keyframe: frames before it could not be decoded.
            guard let vp8, vp8.isKeyframe, let w = vp8.width, let h = vp8.height, w > 0, h > 0 else { return }
            let name = try newName(track, ext: "ivf")
            video[track] = VideoFile(name: name, writer: try IVFWriter(path: path(name), width: w, height: h),
                                     firstTimestamp: header.timestamp)
            onChange(name, true)
        }
        guard var file = video[track] else { return }
        // Relative to the first frame; never backwards (a publisher that restarts its clock).
        let relative = header.timestamp >= file.firstTimestamp ? Int64(clamping: header.timestamp - file.firstTimestamp) : 0
        let timestamp = max(relative, file.lastTimestamp + 1)
        try file.writer.write(frame: payload, timestamp: timestamp)
        file.lastTimestamp = timestamp
        video[track] = file
    }

    private mutating func writeAudio(_ payload: [UInt8]) throws {
        guard !payload.isEmpty else { return }
        if audio == nil {
            // The TOC byte's stereo bit (RFC 6716 §3.1) gives the channel count.
            let channels = payload[0] & 0x04 != 0 ? 2 : 1
            let name = try newName(.audio, ext: "opus")
            audio = AudioFile(name: name, writer: try OggOpusWriter(
                path: path(name), channels: channels, comments: ["TIREK_LESSON=\(lessonID)", "TIREK_TRACK=audio"]))
            onChange(name, true)
        }
        try audio?.writer.write(packet: payload)
    }

    private mutating func finish(_ track: MediaTrack) {
        if track.kind == .audio, let file = audio {
            audio = nil
            close(file.name) { try file.writer.finish() }
        } else if let file = video.removeValue(forKey: track) {
            close(file.name) { try file.writer.finish() }
        }
    }

    private func close(_ name: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch {
            logger.error("could not finish a recording file", metadata: ["file": "\(name)", "error": "\(error)"])
        }
        onChange(name, false)
    }

    mutating func finishAll() {
        for track in Array(video.keys) { finish(track) }
        finish(.audio)
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    /// `<UTC start>-<track>.<ext>`, e.g. `20261129T093000Z-camera.ivf`; `-2`, `-3`… if taken.
    private func newName(_ track: MediaTrack, ext: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stem = "\(formatter.string(from: Date()))-\(track)"
        var name = "\(stem).\(ext)"
        var n = 2
        while FileManager.default.fileExists(atPath: path(name)) {
            name = "\(stem)-\(n).\(ext)"
            n += 1
        }
        return name
    }
}

/// One file in a lesson's recordings folder, as the admin API lists it.
struct RecordingFile: Codable, Sendable, Equatable {
    var name: String
    /// `camera`, `screen` or `audio` (from the file name).
    var track: String
    /// `ivf` (VP8) or `ogg_opus`.
    var format: String
    var contentType: String
    var bytes: Int
    /// Last modification, milliseconds since the Unix epoch.
    var modifiedAt: Int64
    /// Still being written (the lesson is live and publishing); the file is complete when false.
    var inProgress: Bool
    /// Where to download it (admin API).
    var url: String

    enum CodingKeys: String, CodingKey {
        case name, track, format, bytes, url
        case contentType = "content_type"
        case modifiedAt = "modified_at"
        case inProgress = "in_progress"
    }

    /// A recording's file name: `<letters, digits, - _>.ivf|.opus`, one path component.
    static func isValidName(_ name: String) -> Bool {
        guard name.utf8.count <= 128, !name.hasPrefix("."), name.hasSuffix(".ivf") || name.hasSuffix(".opus") else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
            || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }

    static func contentType(of name: String) -> String {
        name.hasSuffix(".ivf") ? "video/x-ivf" : "audio/ogg; codecs=opus"
    }

    /// The recordings of a lesson, oldest first.
    static func list(root: String, lesson: LessonID, active: Set<String>) -> [RecordingFile] {
        let directory = LessonRecorder.directory(root: root, lesson: lesson)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter(isValidName).sorted().compactMap { name -> RecordingFile? in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name) else { return nil }
            let stem = name.split(separator: ".").first.map(String.init) ?? name
            let track = stem.split(separator: "-").dropFirst().first.map(String.init) ?? ""
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return RecordingFile(name: name, track: track, format: name.hasSuffix(".ivf") ? "ivf" : "ogg_opus",
                                 contentType: contentType(of: name), bytes: (attributes[.size] as? Int) ?? 0,
                                 modifiedAt: Int64(modified * 1000), inProgress: active.contains(name),
                                 url: "/v1/lessons/\(lesson.rawValue)/recordings/\(name)")
        }
    }
}
