#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AttendanceReport {
    /// The report as UTF-8 JSON: keys sorted, pretty-printed, instants as epoch milliseconds.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a report written by `jsonData()`.
    public static func decode(json: Data) throws -> AttendanceReport {
        try JSONDecoder().decode(AttendanceReport.self, from: json)
    }
}
