#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reports as UTF-8 JSON: keys sorted, pretty-printed, instants as epoch milliseconds.
private func reportJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
}

extension AttendanceReport {
    /// The report as UTF-8 JSON: keys sorted, pretty-printed, instants as epoch milliseconds.
    public func jsonData() throws -> Data { try reportJSON(self) }

    /// Reads a report written by `jsonData()`.
    public static func decode(json: Data) throws -> AttendanceReport {
        try JSONDecoder().decode(AttendanceReport.self, from: json)
    }
}

extension SchoolsReport {
    /// The report as UTF-8 JSON, formatted like `AttendanceReport.jsonData()`.
    public func jsonData() throws -> Data { try reportJSON(self) }
}
