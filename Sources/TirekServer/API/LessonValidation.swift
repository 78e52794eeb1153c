import Hummingbird
import TirekCore

/// Checks a lesson record against its model's phase plan before it is stored.
enum LessonValidation {
    static func validate(_ lesson: LessonRecord) throws {
        for (phase, minutes) in lesson.phaseMinutes where !(1...120).contains(minutes) {
            throw HTTPError(.badRequest, message: "invalid_value: \(phase) must last 1–120 minutes")
        }
    }
}
