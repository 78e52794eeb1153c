import ArgumentParser
import Foundation
import TirekAttendance
import TirekCore
import TirekServer
import TirekStore

/// `tirek report`: attendance reports read straight from the database (the server may be
/// running; SQLite readers do not block it). A lesson still in progress is reported as of
/// its connections' last heartbeats.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Attendance reports: one lesson (default), or per school over a period.",
        subcommands: [LessonReport.self, SchoolsReportCommand.self], defaultSubcommand: LessonReport.self)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, json
    }

    struct LessonReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lesson", abstract: "A lesson's attendance table (Protocols/exports/attendance.md).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Lesson id.") var lesson: String
        @Option(help: "csv or json.") var format: Format = .csv
        @Option(help: "For csv: students or classrooms.") var table: String = "students"

        func validate() throws {
            guard ["students", "classrooms"].contains(table) else { throw ValidationError("table must be students or classrooms") }
        }

        func run() async throws {
            let reports = AttendanceReports(store: try await store.open())
            guard let report = try await reports.lessonReport(LessonID(lesson), now: SystemClock().now()) else {
                throw ValidationError("no lesson \(lesson)")
            }
            switch format {
            case .csv: FileHandle.standardOutput.write(Data((table == "students" ? report.studentsCSV() : report.classroomsCSV()).utf8))
            case .json: FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
            }
        }
    }

    struct SchoolsReportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schools", abstract: "Attendance and connection quality per school over a period (finished lessons).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Period start: YYYY-MM-DD (UTC) or ms since the epoch.") var from: String
        @Option(help: "Period end: YYYY-MM-DD (UTC, that day included) or ms since the epoch (excluded).") var to: String
        @Option(help: "json or csv.") var format: Format = .json

        func run() async throws {
            guard let start = AttendanceReports.instant(from, endOfDay: false),
                  let end = AttendanceReports.instant(to, endOfDay: true), start < end else {
                throw ValidationError("--from and --to must be YYYY-MM-DD or milliseconds, --from before --to")
            }
            let report = try await AttendanceReports(store: try await store.open()).schoolsReport(from: start, to: end, now: SystemClock().now())
            switch format {
            case .csv: FileHandle.standardOutput.write(Data(report.schoolsCSV().utf8))
            case .json:
                FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
            }
        }
    }
}
