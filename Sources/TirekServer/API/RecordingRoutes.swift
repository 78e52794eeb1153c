import Foundation
import Hummingbird
import NIOCore
import TirekCore
import TirekStore

/// A lesson's recordings under `/v1` (admin key required): the list, and each file for download
/// (Protocols/http-api.md#recordings).
struct RecordingRoutes: Sendable {
    let store: any TirekStore
    let rooms: RoomRegistry
    /// The recordings folder; nil when the server does not record.
    let root: String?

    struct Listing: ResponseEncodable {
        var lessonID: String
        /// Whether this server records lessons at all.
        var enabled: Bool
        /// The lesson is live here and its recording has not been stopped.
        var recording: Bool
        var files: [RecordingFile]

        enum CodingKeys: String, CodingKey {
            case enabled, recording, files
            case lessonID = "lesson_id"
        }
    }

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("lessons/:id/recordings") { _, context -> Listing in
            let lesson = try await requireLesson(context)
            guard let root else { return Listing(lessonID: lesson.rawValue, enabled: false, recording: false, files: []) }
            let recorder = await rooms.liveRoom(for: lesson)?.fanout.recorder
            let active = recorder?.activeFiles ?? []
            return Listing(lessonID: lesson.rawValue, enabled: true, recording: recorder.map { !$0.isStopped } ?? false,
                           files: RecordingFile.list(root: root, lesson: lesson, active: active))
        }
        group.get("lessons/:id/recordings/:name") { _, context -> Response in
            let lesson = try await requireLesson(context)
            let name = try context.parameters.require("name")
            guard let root, RecordingFile.isValidName(name) else {
                throw HTTPError(.notFound, message: "not_found: no recording \(name)")
            }
            let path = LessonRecorder.directory(root: root, lesson: lesson) + "/" + name
            guard FileManager.default.fileExists(atPath: path) else {
                throw HTTPError(.notFound, message: "not_found: no recording \(name)")
            }
            let body = try await FileIO().loadFile(path: path, context: context)
            var headers: HTTPFields = [.contentType: RecordingFile.contentType(of: name)]
            headers[.contentDisposition] = "attachment; filename=\"\(name)\""
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    private func requireLesson(_ context: some RequestContext) async throws -> LessonID {
        let id = try context.parameters.require("id")
        guard try await store.lesson(LessonID(id)) != nil else { throw HTTPError(.notFound, message: "not_found: no lesson \(id)") }
        return LessonID(id)
    }
}
