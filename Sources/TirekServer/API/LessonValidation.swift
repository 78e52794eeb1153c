import Hummingbird
import TirekCore

/// Checks a lesson record against its model's phase plan before it is stored.
enum LessonValidation {
    static func validate(_ lesson: LessonRecord) throws {
        do {
            _ = try LessonConfig(record: lesson)
        } catch {
            throw HTTPError(.badRequest, message: "\(error.code.rawValue): \(error.message)")
        }
    }
}
