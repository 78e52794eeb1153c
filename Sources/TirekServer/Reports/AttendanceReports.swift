import Foundation
import TirekAttendance
import TirekCore
import TirekStore

/// Attendance reports for the admin API and `tirek report`: a lesson's table, and per school
/// over a period. A lesson live on this server is read from its room; any other lesson is
/// rebuilt from its log, where connections the log still holds open (the server died, or the
/// log is read by another process) count up to their last heartbeat, as crash recovery would
/// close them. Nothing is written.
public struct AttendanceReports: Sendable {
    let store: any TirekStore
    let rooms: RoomRegistry?

    /// Reports straight from a store (the command line).
    public init(store: any TirekStore) {
        self.store = store
        rooms = nil
    }

    init(store: any TirekStore, rooms: RoomRegistry) {
        self.store = store
        self.rooms = rooms
    }

    /// The ledger of a lesson as of `now`.
    func ledger(_ lesson: LessonID, roster: LessonRoster, now: Instant) async throws -> AttendanceLedger {
        if let room = await rooms?.liveRoom(for: lesson) { return await room.attendanceLedger() }
        var ledger = try await AttendanceLog.ledger(store: store, lesson: lesson, roster: roster)
        _ = ledger.recoverAfterCrash(at: now)
        return ledger
    }

    /// The attendance report of one lesson as of `now`; nil when there is no such lesson.
    public func lessonReport(_ lesson: LessonID, now: Instant) async throws -> AttendanceReport? {
        guard let roster = try await store.roster(for: lesson) else { return nil }
        let ledger = try await ledger(lesson, roster: roster, now: now)
        return ledger.report(roster: AttendanceRoster(roster), at: now)
    }

    /// Attendance per school of the lessons that started in `[from, to)` and have ended.
    public func schoolsReport(from: Instant, to: Instant, now: Instant) async throws -> SchoolsReport {
        // A lesson starts near its scheduled start (the lobby opens minutes before); the slack
        // keeps late starts in while not reading every log ever written.
        let slack = Millis.minutes(12 * 60)
        var lessons: [LessonAttendance] = []
        for record in try await store.lessons()
        where record.scheduledStart >= from - slack && record.scheduledStart < to + slack {
            guard let roster = try await store.roster(for: record.id) else { continue }
            let ledger = try await ledger(record.id, roster: roster, now: now)
            lessons.append(LessonAttendance(roster: AttendanceRoster(roster), ledger: ledger))
        }
        return SchoolsReport(lessons: lessons, from: from, to: to, generatedAt: now)
    }

    /// Parses a report period bound: milliseconds since the epoch, or a UTC date `YYYY-MM-DD`
    /// (its midnight; with `endOfDay`, the next midnight, so a `to` date includes that day).
    public static func instant(_ text: String, endOfDay: Bool) -> Instant? {
        if let ms = Int64(text) { return Instant(millis: ms) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        // Days from civil (H. Hinnant).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468 + (endOfDay ? 1 : 0)
        return Instant(millis: days * 86_400_000)
    }
}
