import Foundation
import TirekCore
import TirekProtocol

/// A store that keeps schools, classrooms, teachers, students, guests and lessons as JSON documents,
/// one table per kind with `id` and `body` columns. A backend provides the three table operations;
/// the document methods of `TirekStore` (encoding, decoding, errors) are written once here.
public protocol DocumentTables: TirekStore {
    /// Inserts or replaces the document `id` of `table`.
    func writeDocument(_ table: String, id: String, json: String) async throws
    /// Every document of `table`, in byte-wise `id` order.
    func readDocuments(_ table: String) async throws -> [String]
    /// The document `id` of `table`, if there is one.
    func readDocument(_ table: String, id: String) async throws -> String?
}

extension DocumentTables {
    public func save(_ school: School) async throws { try await put("school", school.id.rawValue, school) }
    public func save(_ classroom: Classroom) async throws { try await put("classroom", classroom.id.rawValue, classroom) }
    public func save(_ teacher: Teacher) async throws { try await put("teacher", teacher.id.rawValue, teacher) }
    public func save(_ student: Student) async throws { try await put("student", student.id.rawValue, student) }
    public func save(_ guest: Guest) async throws { try await put("guest", guest.id.rawValue, guest) }
    public func save(_ lesson: LessonRecord) async throws { try await put("lesson", lesson.id.rawValue, lesson) }

    public func schools() async throws -> [School] { try await all("school") }
    public func classrooms() async throws -> [Classroom] { try await all("classroom") }
    public func teachers() async throws -> [Teacher] { try await all("teacher") }
    public func students() async throws -> [Student] { try await all("student") }
    public func guests() async throws -> [Guest] { try await all("guest") }
    public func lessons() async throws -> [LessonRecord] { try await all("lesson") }
    public func lesson(_ id: LessonID) async throws -> LessonRecord? {
        try await readDocument("lesson", id: id.rawValue).map { try Self.decode($0, "lesson") }
    }

    private func put<T: Encodable>(_ table: String, _ id: String, _ value: T) async throws {
        try await writeDocument(table, id: id, json: String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self))
    }

    private func all<T: Decodable>(_ table: String) async throws -> [T] {
        try await readDocuments(table).map { try Self.decode($0, table) }
    }

    private static func decode<T: Decodable>(_ body: String, _ table: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.utf8))
        } catch {
            throw StoreError.corrupt("a \(table) row does not decode: \(error)")
        }
    }
}
