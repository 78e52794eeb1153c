/// Where the lesson is in its life, as far as attendance is concerned.
public enum LessonState: String, Hashable, Codable, Sendable {
    case notStarted = "not_started"
    case running
    case paused
    case ended
}
