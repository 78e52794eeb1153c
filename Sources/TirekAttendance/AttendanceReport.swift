import TirekCore

/// The attendance export of one lesson: a row per student and a row per classroom.
public struct AttendanceReport: Hashable, Codable, Sendable {
    public var lesson: LessonID
    /// The instant the figures are as of (the lesson's end caps them once it ended).
    public var generatedAt: Instant
    /// False while the lesson has not ended: the figures are provisional.
    public var final: Bool
    public var lessonFigures: LessonFigures
    public var policy: AttendancePolicy
    /// Phase ids, in the order of the `online_min_<phase>` columns.
    public var phases: [String]
    public var rows: [AttendanceRow]
    public var classrooms: [ClassroomRow]

    enum CodingKeys: String, CodingKey {
        case lesson = "lesson_id"
        case generatedAt = "generated_at"
        case final
        case lessonFigures = "lesson"
        case policy
        case phases
        case rows = "students"
        case classrooms
    }

    /// The student CSV header, in column order.
    public var studentColumns: [String] {
        ["lesson_id", "student_id", "display_name", "ejournal_id", "classroom_id", "classroom_name",
         "school_id", "school_name", "status", "reason", "reason_text", "online_min"]
            + phases.map { "online_min_\($0)" }
            + ["lesson_min", "joins", "drops", "longest_gap_min", "first_join", "last_leave"]
    }

    public static let classroomColumns = [
        "lesson_id", "classroom_id", "classroom_name", "school_id", "school_name", "lesson_min",
        "students", "present", "late", "partial", "absent",
        "screen_online_min", "screen_drops", "without_stream_min", "stream_unavailable_min",
        "hand_raises", "chat_messages", "poll_answers",
    ]

    /// The student table as RFC 4180 CSV: UTF-8 (no BOM), CRLF line ends, a header line.
    public func studentsCSV() -> String {
        var text = CSV.record(studentColumns)
        for row in rows {
            var fields = [row.lesson.rawValue, row.student.rawValue, row.displayName, row.externalID ?? "",
                          row.classroom?.rawValue ?? "", row.classroomName ?? "", row.school?.rawValue ?? "",
                          row.schoolName ?? "", row.status.rawValue, row.reason?.code ?? "", row.reason?.text ?? "",
                          ExportFormat.minutesText(row.onlineMs)]
            for phase in phases {
                fields.append(ExportFormat.minutesText(row.phases.first { $0.phase == phase }?.onlineMs ?? .zero))
            }
            fields += [ExportFormat.minutesText(lessonFigures.runningMs), String(row.joins), String(row.drops),
                       minutesText(row.longestGapMin), row.firstJoin.map(ExportFormat.timestamp) ?? "",
                       row.lastLeave.map(ExportFormat.timestamp) ?? ""]
            text += CSV.record(fields)
        }
        return text
    }

    /// The classroom table as RFC 4180 CSV: UTF-8 (no BOM), CRLF line ends, a header line.
    public func classroomsCSV() -> String {
        var text = CSV.record(Self.classroomColumns)
        for row in classrooms {
            text += CSV.record([
                row.lesson.rawValue, row.classroom.rawValue, row.classroomName ?? "", row.school?.rawValue ?? "",
                row.schoolName ?? "", minutesText(row.lessonMin), String(row.students), String(row.present),
                String(row.late), String(row.partial), String(row.absent), minutesText(row.screenOnlineMin),
                String(row.screenDrops), minutesText(row.withoutStreamMin), minutesText(row.streamUnavailableMin),
                String(row.handRaises), String(row.chatMessages), String(row.pollAnswers),
            ])
        }
        return text
    }

    /// A one-decimal minutes value already rounded (from a row) back to text.
    private func minutesText(_ minutes: Double) -> String {
        let tenths = Int64((minutes * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension AttendanceLedger {
    /// The lesson's attendance export as of `now`. Rows: the roster's students in roster
    /// order, then students the ledger saw who are not on the roster (by id). Classroom rows:
    /// the roster's classrooms, then other classrooms the ledger saw (by id).
    public func report(roster: AttendanceRoster, activity: [ClassroomActivity] = [], at now: Instant) -> AttendanceReport {
        let lesson = lessonFigures(at: now)
        let classroomsByID = Dictionary(roster.classrooms.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let rosterIDs = Set(roster.students.map(\.id))
        var entries: [(ParticipantID, AttendanceRoster.Student?)] = roster.students.map { ($0.id, $0) }
        entries += knownStudents.filter { !rosterIDs.contains($0) }.map { ($0, nil) }

        let rows = entries.map { id, entry -> AttendanceRow in
            let figures = studentFigures(for: id, at: now)
            let classroom = entry?.classroom ?? figures.classroom
            let info = classroom.flatMap { classroomsByID[$0] }
            return AttendanceRow(lesson: roster.lesson, student: id, displayName: entry?.displayName ?? "",
                                 externalID: entry?.externalID, classroom: classroom, classroomName: info?.name,
                                 school: info?.school, schoolName: info?.schoolName, status: figures.status,
                                 reason: figures.reason, onlineMin: ExportFormat.minutes(figures.onlineMs),
                                 onlineMs: figures.onlineMs,
                                 phases: figures.phases.map { PhaseMinutes(phase: $0.phase, onlineMs: $0.ms) },
                                 lessonMin: ExportFormat.minutes(lesson.runningMs), joins: figures.joins,
                                 drops: figures.drops, longestGapMin: ExportFormat.minutes(figures.longestGapMs),
                                 firstJoin: figures.firstJoin, lastLeave: figures.lastLeave)
        }

        let rosterClassrooms = Set(roster.classrooms.map(\.id))
        let classroomIDs = roster.classrooms.map(\.id) + knownClassrooms.filter { !rosterClassrooms.contains($0) }
        let activityByID = Dictionary(activity.map { ($0.classroom, $0) }, uniquingKeysWith: { first, _ in first })
        let classroomRows = classroomIDs.map { id -> ClassroomRow in
            let figures = classroomFigures(for: id, at: now)
            let info = classroomsByID[id]
            let mine = rows.filter { $0.classroom == id }
            func count(_ status: AttendanceStatus) -> Int { mine.filter { $0.status == status }.count }
            let activity = activityByID[id]
            return ClassroomRow(lesson: roster.lesson, classroom: id, classroomName: info?.name, school: info?.school,
                                schoolName: info?.schoolName, lessonMin: ExportFormat.minutes(lesson.runningMs),
                                students: mine.count, present: count(.present), late: count(.late),
                                partial: count(.partial), absent: count(.absent),
                                screenOnlineMin: ExportFormat.minutes(figures.screenOnlineMs),
                                screenDrops: figures.screenDrops,
                                withoutStreamMin: ExportFormat.minutes(figures.withoutStreamMs),
                                streamUnavailableMin: ExportFormat.minutes(figures.streamUnavailableMs),
                                handRaises: activity?.handRaises ?? 0, chatMessages: activity?.chatMessages ?? 0,
                                pollAnswers: activity?.pollAnswers ?? 0)
        }

        return AttendanceReport(lesson: roster.lesson, generatedAt: now, final: lesson.state == .ended,
                                lessonFigures: lesson, policy: policy, phases: lesson.phases.map(\.phase),
                                rows: rows, classrooms: classroomRows)
    }
}
