import Foundation
import Hummingbird
import NIOCore
import TirekAttendance
import TirekCore
import TirekStore

/// Attendance reports under `/v1` (admin key required): a lesson's table as JSON or CSV, and
/// attendance per school over a period (Protocols/http-api.md#attendance).
struct AttendanceRoutes: Sendable {
    let reports: AttendanceReports
    let clock: any WallClock

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("lessons/:id/attendance") { _, context -> Response in
            let report = try await lessonReport(context)
            return Self.response(try report.jsonData(), contentType: "application/json; charset=utf-8")
        }
        group.get("lessons/:id/attendance.csv") { request, context -> Response in
            let report = try await lessonReport(context)
            let table = request.uri.queryParameters.get("table") ?? "students"
            let text: String
            switch table {
            case "students": text = report.studentsCSV()
            case "classrooms": text = report.classroomsCSV()
            default: throw HTTPError(.badRequest, message: "invalid_field: table must be students or classrooms")
            }
            var response = Self.response(Data(text.utf8), contentType: "text/csv; charset=utf-8; header=present")
            response.headers[.contentDisposition] = "attachment; filename=\"attendance-\(report.lesson.rawValue)-\(table).csv\""
            return response
        }
        group.get("reports/schools") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let fromText = query.get("from"), let toText = query.get("to"),
                  let from = AttendanceReports.instant(fromText, endOfDay: false),
                  let to = AttendanceReports.instant(toText, endOfDay: true), from < to else {
                throw HTTPError(.badRequest, message: "invalid_field: from and to are required (ms since the epoch or YYYY-MM-DD), from before to")
            }
            let report = try await reports.schoolsReport(from: from, to: to, now: clock.now())
            if query.get("format") == "csv" {
                return Self.response(Data(report.schoolsCSV().utf8), contentType: "text/csv; charset=utf-8; header=present")
            }
            return Self.response(try report.jsonData(), contentType: "application/json; charset=utf-8")
        }
    }

    private func lessonReport(_ context: some RequestContext) async throws -> AttendanceReport {
        let id = LessonID(try context.parameters.require("id"))
        guard let report = try await reports.lessonReport(id, now: clock.now()) else {
            throw HTTPError(.notFound, message: "not_found: no lesson \(id)")
        }
        return report
    }

    static func response(_ data: Data, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
