import Testing
import TirekCore
@testable import TirekClassroom

enum P {
    static let hub = Participant(id: "hub", role: .hubTeacher, displayName: "Hub Teacher")
    static let localA = Participant(id: "tA", role: .localTeacher, displayName: "Teacher A", classroomID: "cA")
    static let localB = Participant(id: "tB", role: .localTeacher, displayName: "Teacher B", classroomID: "cB")
    static let screenA = Participant(id: "scrA", role: .classroom, displayName: "Room A", classroomID: "cA")
    static let screenB = Participant(id: "scrB", role: .classroom, displayName: "Room B", classroomID: "cB")
    static let a1 = Participant(id: "a1", role: .student, displayName: "Aigerim", classroomID: "cA")
    static let a2 = Participant(id: "a2", role: .student, displayName: "Arman", classroomID: "cA")
    static let b1 = Participant(id: "b1", role: .student, displayName: "Bolat", classroomID: "cB")
    static let home = Participant(id: "h1", role: .student, displayName: "Dana")
    static let assistantA = Participant(id: "asA", role: .assistant, displayName: "Helper A", classroomID: "cA")
    static let observer = Participant(id: "obs", role: .observer, displayName: "Methodologist")
    static let admin = Participant(id: "adm", role: .admin, displayName: "Admin")

    static let all: [Participant] = [hub, localA, localB, screenA, screenB, a1, a2, b1, home, assistantA, observer, admin]

    static func lookup(_ id: ParticipantID) -> Participant? {
        all.first { $0.id == id }
    }
}

func t(_ ms: Int64) -> Instant { Instant(millis: ms) }

/// Expects `body` to throw a `Refusal` with exactly `code`.
func expectRefusal(
    _ code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected refusal \(code.rawValue), got success", sourceLocation: sourceLocation)
    } catch let refusal as Refusal {
        #expect(refusal.code == code, "\(refusal)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected Refusal, got \(error)", sourceLocation: sourceLocation)
    }
}
