import TirekCore

/// One finished (or in-progress) lesson's attendance, as the per-school report reads it.
public struct LessonAttendance: Sendable {
    public var roster: AttendanceRoster
    public var ledger: AttendanceLedger

    public init(roster: AttendanceRoster, ledger: AttendanceLedger) {
        self.roster = roster
        self.ledger = ledger
    }
}

/// A lesson a student missed (status `absent`), with the roll call's reason if one was given.
public struct MissedLesson: Hashable, Codable, Sendable {
    public var lesson: LessonID
    public var startedAt: Instant?
    public var reason: AbsenceReason?

    enum CodingKeys: String, CodingKey {
        case lesson = "lesson_id"
        case startedAt = "started_at"
        case reason
    }
}

/// A student of a school who missed at least one lesson in the period.
public struct MissedStudent: Hashable, Codable, Sendable {
    public var student: ParticipantID
    public var displayName: String
    public var externalID: String?
    public var classroom: ClassroomID?
    /// Lessons of the period the student was expected at (on the roster of a counted lesson).
    public var lessons: Int
    public var missed: Int
    /// The missed lessons, in the order they started.
    public var missedLessons: [MissedLesson]

    enum CodingKeys: String, CodingKey {
        case student = "student_id"
        case displayName = "display_name"
        case externalID = "ejournal_id"
        case classroom = "classroom_id"
        case lessons
        case missed
        case missedLessons = "missed_lessons"
    }
}

/// One school's attendance and connection quality over a period.
public struct SchoolAttendance: Hashable, Codable, Sendable {
    public var school: SchoolID
    public var schoolName: String?
    /// Counted lessons in which a classroom of this school took part.
    public var lessons: Int
    /// Distinct students of this school on those lessons' rosters.
    public var students: Int
    /// Student × lesson pairs expected (the base of the rate).
    public var studentLessons: Int
    public var present: Int
    public var late: Int
    public var partial: Int
    public var absent: Int
    /// Share of student × lesson pairs with any online time (present, late or partial), in
    /// percent with one decimal; 0 when nothing was expected.
    public var attendancePercent: Double
    /// Students' online minutes summed.
    public var onlineMin: Double
    /// Classroom screens: connected minutes while lessons ran, and drops.
    public var screenOnlineMin: Double
    public var screenDrops: Int
    /// Drops of students' own devices.
    public var studentDrops: Int
    /// Running minutes in which a classroom of this school could not see the hub (screen not
    /// connected, or the hub stream reported unavailable), summed over classrooms and lessons.
    public var withoutStreamMin: Double
    public var streamUnavailableMin: Double
    /// Students with at least one missed lesson: most missed first, then by id.
    public var missed: [MissedStudent]

    enum CodingKeys: String, CodingKey {
        case school = "school_id"
        case schoolName = "school_name"
        case lessons
        case students
        case studentLessons = "student_lessons"
        case present
        case late
        case partial
        case absent
        case attendancePercent = "attendance_percent"
        case onlineMin = "online_min"
        case screenOnlineMin = "screen_online_min"
        case screenDrops = "screen_drops"
        case studentDrops = "student_drops"
        case withoutStreamMin = "without_stream_min"
        case streamUnavailableMin = "stream_unavailable_min"
        case missed
    }
}

/// Attendance per school over a period: the monitoring view of district staff.
public struct SchoolsReport: Hashable, Codable, Sendable {
    public var from: Instant
    public var to: Instant
    public var generatedAt: Instant
    /// The lessons counted, in the order they started.
    public var lessons: [LessonID]
    /// Schools by id.
    public var schools: [SchoolAttendance]

    enum CodingKeys: String, CodingKey {
        case from
        case to
        case generatedAt = "generated_at"
        case lessons
        case schools
    }

    public static let csvColumns = [
        "school_id", "school_name", "lessons", "students", "student_lessons", "present", "late", "partial", "absent",
        "attendance_percent", "online_min", "screen_online_min", "screen_drops", "student_drops",
        "without_stream_min", "stream_unavailable_min", "missed_lessons",
    ]

    /// The per-school table as RFC 4180 CSV (same conventions as the lesson exports).
    public func schoolsCSV() -> String {
        var text = CSV.record(Self.csvColumns)
        for s in schools {
            text += CSV.record([
                s.school.rawValue, s.schoolName ?? "", String(s.lessons), String(s.students), String(s.studentLessons),
                String(s.present), String(s.late), String(s.partial), String(s.absent), Self.oneDecimal(s.attendancePercent),
                Self.oneDecimal(s.onlineMin), Self.oneDecimal(s.screenOnlineMin), String(s.screenDrops),
                String(s.studentDrops), Self.oneDecimal(s.withoutStreamMin), Self.oneDecimal(s.streamUnavailableMin),
                String(s.missed.reduce(0) { $0 + $1.missed }),
            ])
        }
        return text
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Builds the report from lessons' ledgers. Only lessons that started in `[from, to)` and
    /// have ended count; figures are each lesson's final ones. A student counts for the school of
    /// their classroom (students without a classroom are not in any school's figures).
    public init(lessons: [LessonAttendance], from: Instant, to: Instant, generatedAt: Instant) {
        self.from = from
        self.to = to
        self.generatedAt = generatedAt
        let counted = lessons.filter { lesson in
            guard let start = lesson.ledger.startedAt, lesson.ledger.endedAt != nil else { return false }
            return start >= from && start < to
        }.sorted { ($0.ledger.startedAt!, $0.roster.lesson) < ($1.ledger.startedAt!, $1.roster.lesson) }
        self.lessons = counted.map(\.roster.lesson)

        struct Tally {
            var name: String?
            var lessons: Set<LessonID> = []
            var students: Set<ParticipantID> = []
            var studentLessons = 0
            var statuses: [AttendanceStatus: Int] = [:]
            var onlineMs = Millis.zero
            var screenOnlineMs = Millis.zero
            var screenDrops = 0
            var studentDrops = 0
            var withoutStreamMs = Millis.zero
            var streamUnavailableMs = Millis.zero
            var missed: [ParticipantID: MissedStudent] = [:]
        }
        var tallies: [SchoolID: Tally] = [:]

        for lesson in counted {
            let ledger = lesson.ledger
            let now = ledger.endedAt!
            let classrooms = Dictionary(lesson.roster.classrooms.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for classroom in lesson.roster.classrooms {
                guard let school = classroom.school else { continue }
                let figures = ledger.classroomFigures(for: classroom.id, at: now)
                var tally = tallies[school] ?? Tally()
                tally.name = tally.name ?? classroom.schoolName
                tally.lessons.insert(lesson.roster.lesson)
                tally.screenOnlineMs += figures.screenOnlineMs
                tally.screenDrops += figures.screenDrops
                tally.withoutStreamMs += figures.withoutStreamMs
                tally.streamUnavailableMs += figures.streamUnavailableMs
                tallies[school] = tally
            }
            for student in lesson.roster.students {
                guard let classroom = student.classroom, let info = classrooms[classroom], let school = info.school else { continue }
                let figures = ledger.studentFigures(for: student.id, at: now)
                var tally = tallies[school] ?? Tally()
                tally.lessons.insert(lesson.roster.lesson)
                tally.students.insert(student.id)
                tally.studentLessons += 1
                tally.statuses[figures.status, default: 0] += 1
                tally.onlineMs += figures.onlineMs
                tally.studentDrops += figures.drops
                var entry = tally.missed[student.id] ?? MissedStudent(
                    student: student.id, displayName: student.displayName, externalID: student.externalID,
                    classroom: classroom, lessons: 0, missed: 0, missedLessons: [])
                entry.lessons += 1
                if figures.status == .absent {
                    entry.missed += 1
                    entry.missedLessons.append(MissedLesson(lesson: lesson.roster.lesson, startedAt: ledger.startedAt,
                                                            reason: figures.reason))
                }
                tally.missed[student.id] = entry
                tallies[school] = tally
            }
        }

        schools = tallies.keys.sorted().map { id in
            let t = tallies[id]!
            let count = { (status: AttendanceStatus) in t.statuses[status] ?? 0 }
            let attended = count(.present) + count(.late) + count(.partial)
            let percent = t.studentLessons == 0 ? 0 : Double((attended * 1000 + t.studentLessons / 2) / t.studentLessons) / 10
            return SchoolAttendance(
                school: id, schoolName: t.name, lessons: t.lessons.count, students: t.students.count,
                studentLessons: t.studentLessons, present: count(.present), late: count(.late),
                partial: count(.partial), absent: count(.absent), attendancePercent: percent,
                onlineMin: ExportFormat.minutes(t.onlineMs), screenOnlineMin: ExportFormat.minutes(t.screenOnlineMs),
                screenDrops: t.screenDrops, studentDrops: t.studentDrops,
                withoutStreamMin: ExportFormat.minutes(t.withoutStreamMs),
                streamUnavailableMin: ExportFormat.minutes(t.streamUnavailableMs),
                missed: t.missed.values.filter { $0.missed > 0 }.sorted { ($0.missed, $1.student) > ($1.missed, $0.student) })
        }
    }
}
