import Foundation
import Testing
import TirekCore
@testable import TirekAttendance

@Suite("Reports")
struct ReportTests {
    let report = handScenario().ledger().report(
        roster: handRoster,
        activity: [ClassroomActivity(classroom: "k1", handRaises: 4, chatMessages: 12, pollAnswers: 9)],
        at: at(60))

    @Test func studentCSVByteForByte() {
        let school = "Акжар малокомплектная школа"
        let lines = [
            "lesson_id,student_id,display_name,ejournal_id,classroom_id,classroom_name,school_id,school_name,status,reason,reason_text,online_min,online_min_organisation,online_min_operational,online_min_reflection,lesson_min,joins,drops,longest_gap_min,first_join,last_leave",
            "L-2025-03-03-math,a,Айгерим Сапарова,EJ-001,k1,5 Б,s-akzhar,\(school),present,,,40.0,10.0,20.0,10.0,40.0,1,0,0.0,2025-03-03T09:00:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,b,\"Bolat, Jr.\",EJ-002,k1,5 Б,s-akzhar,\(school),late,,,28.0,0.0,18.0,10.0,40.0,1,0,12.0,2025-03-03T09:12:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,c,\"Daniyar \"\"Dan\"\" K.\",EJ-003,k1,5 Б,s-akzhar,\(school),present,,,37.0,10.0,17.0,10.0,40.0,2,1,3.0,2025-03-03T09:00:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,d,Dana,EJ-004,k1,5 Б,s-akzhar,\(school),partial,,,25.0,10.0,15.0,0.0,40.0,1,1,15.0,2025-03-03T09:00:00.000Z,2025-03-03T09:30:00.000Z",
            "L-2025-03-03-math,e,Erlan,,k1,5 Б,s-akzhar,\(school),absent,illness,,0.0,0.0,0.0,0.0,40.0,0,0,40.0,,",
            "L-2025-03-03-math,f,Farida,EJ-006,k1,5 Б,s-akzhar,\(school),present,,,40.0,10.0,20.0,10.0,40.0,1,0,0.0,2025-03-03T09:00:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,g,Gulnar,EJ-007,k1,5 Б,s-akzhar,\(school),present,,,40.0,10.0,20.0,10.0,40.0,2,1,0.0,2025-03-03T09:00:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,h,Hasen,EJ-008,k1,5 Б,s-akzhar,\(school),present,,,36.0,8.0,20.0,8.0,40.0,2,1,2.0,2025-03-03T09:02:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,i,Ilyas,EJ-009,k1,5 Б,s-akzhar,\(school),partial,illness,,25.0,10.0,15.0,0.0,40.0,1,1,15.0,2025-03-03T09:00:00.000Z,2025-03-03T09:30:00.000Z",
            "L-2025-03-03-math,j,Jamila,EJ-010,k1,5 Б,s-akzhar,\(school),present,,,38.0,10.0,20.0,8.0,40.0,2,1,2.0,2025-03-03T09:00:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,k,Kairat,EJ-011,k1,5 Б,s-akzhar,\(school),late,technical_problem,,23.0,0.0,15.0,8.0,40.0,2,1,15.0,2025-03-03T09:15:00.000Z,2025-03-03T09:45:00.000Z",
            "L-2025-03-03-math,l,Lyazzat,EJ-012,k1,5 Б,s-akzhar,\(school),absent,other,\"bus broke down, \"\"again\"\"\nno transport\",0.0,0.0,0.0,0.0,40.0,0,0,40.0,,",
            "L-2025-03-03-math,m,Madina,EJ-013,k2,5 A,s-bereke,Bereke,absent,,,0.0,0.0,0.0,0.0,40.0,0,0,40.0,,",
            "L-2025-03-03-math,zz,,,k1,5 Б,s-akzhar,\(school),late,,,15.0,0.0,5.0,10.0,40.0,1,0,25.0,2025-03-03T09:30:00.000Z,2025-03-03T09:45:00.000Z",
        ]
        let expected = lines.joined(separator: "\r\n") + "\r\n"
        let csv = report.studentsCSV()
        #expect(Array(csv.utf8) == Array(expected.utf8))
        #expect(csv.utf8.first == UInt8(ascii: "l")) // no byte-order mark
    }

    @Test func classroomCSVByteForByte() {
        let expected = [
            "lesson_id,classroom_id,classroom_name,school_id,school_name,lesson_min,students,present,late,partial,absent,screen_online_min,screen_drops,without_stream_min,stream_unavailable_min,hand_raises,chat_messages,poll_answers",
            "L-2025-03-03-math,k1,5 Б,s-akzhar,Акжар малокомплектная школа,40.0,13,6,3,2,2,38.0,1,4.0,2.0,4,12,9",
            "L-2025-03-03-math,k2,5 A,s-bereke,Bereke,40.0,1,0,0,0,1,0.0,0,40.0,0.0,0,0,0",
        ].joined(separator: "\r\n") + "\r\n"
        #expect(Array(report.classroomsCSV().utf8) == Array(expected.utf8))
    }

    @Test func reportHeaderFields() {
        #expect(report.final)
        #expect(report.phases == ["organisation", "operational", "reflection"])
        #expect(report.studentColumns.count == 21)
        #expect(report.rows.map(\.student.rawValue) == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "zz"])
    }

    @Test func jsonRoundTripsAndCarriesExactFigures() throws {
        let data = try report.jsonData()
        #expect(try AttendanceReport.decode(json: data) == report)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""online_min" : 28"#))
        #expect(text.contains(#""online_ms" : 1680000"#))
        #expect(text.contains(#""ejournal_id" : "EJ-002""#))
        #expect(text.contains(#""code" : "technical_problem""#))
        #expect(text.contains(#""hand_raises" : 4"#))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["lesson_id", "generated_at", "final", "lesson", "policy", "phases",
                                                        "students", "classrooms"])
    }

    @Test func provisionalReportWhileRunning() {
        var log = Log()
        log.start(at(0))
        log.phase("organisation", at(0))
        log.open("s", at(0))
        let report = log.ledger().report(roster: AttendanceRoster(lesson: "L", students: [], classrooms: []), at: at(3, 3))
        #expect(!report.final)
        #expect(report.rows.first?.onlineMin == 3.1) // 3:03 → 3.05 → rounds half up to 3.1
        #expect(report.studentsCSV().contains(",3.1,3.1,3.1,1,0,0.0,2025-03-03T09:00:00.000Z,2025-03-03T09:03:03.000Z\r\n"))
    }

    @Test func minutesRoundHalfUpAndTimestampsAreUTC() {
        #expect(ExportFormat.minutesText(Millis(0)) == "0.0")
        #expect(ExportFormat.minutesText(Millis(2999)) == "0.0")
        #expect(ExportFormat.minutesText(Millis(3000)) == "0.1")
        #expect(ExportFormat.minutesText(minutes(90)) == "90.0")
        #expect(ExportFormat.minutesText(Millis(-5)) == "0.0")
        #expect(ExportFormat.timestamp(Instant(millis: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(ExportFormat.timestamp(Instant(millis: 951_782_400_123)) == "2000-02-29T00:00:00.123Z")
        #expect(ExportFormat.timestamp(Instant(millis: -1)) == "1969-12-31T23:59:59.999Z")
        #expect(ExportFormat.timestamp(nine + minutes(45)) == "2025-03-03T09:45:00.000Z")
    }

    @Test func csvQuotingFollowsRFC4180() {
        #expect(CSV.record(["a", "b,c", "d\"e", "f\r\ng", "h\ni", ""]) == "a,\"b,c\",\"d\"\"e\",\"f\r\ng\",\"h\ni\",\r\n")
    }

    @Test func rosterFromLessonRoster() {
        let lesson = LessonRecord(id: "L", subject: "math", topic: "fractions", grade: 5, scheduledStart: nine,
                                  hubTeacherID: "hub", classroomIDs: ["k1"], createdAt: nine)
        let roster = LessonRoster(lesson: lesson,
                                  classrooms: [Classroom(id: "k1", schoolID: "s1", name: "5 Б", grade: 5)],
                                  schools: [School(id: "s1", name: "Акжар", kind: .small)],
                                  hubTeacher: Teacher(id: "hub", schoolID: "s0", name: "Hub"), localTeachers: [],
                                  students: [Student(id: "a", classroomID: "k1", name: "Айгерим", externalID: "EJ-1")],
                                  guests: [])
        let attendance = AttendanceRoster(roster)
        #expect(attendance.students == [.init(id: "a", displayName: "Айгерим", externalID: "EJ-1", classroom: "k1")])
        #expect(attendance.classrooms == [.init(id: "k1", name: "5 Б", school: "s1", schoolName: "Акжар")])
        #expect(attendance.lesson == "L")
    }
}
