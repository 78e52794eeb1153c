import TirekCore

/// Text formats shared by the CSV and JSON exports.
enum ExportFormat {
    /// Milliseconds as tenths of a minute, rounded half up (6000 ms = 0.1 min).
    static func tenthsOfMinute(_ ms: Millis) -> Int64 {
        let value = max(ms.value, 0)
        return (value + 3000) / 6000
    }

    /// Minutes with one decimal, as a number for JSON.
    static func minutes(_ ms: Millis) -> Double { Double(tenthsOfMinute(ms)) / 10 }

    /// Minutes with one decimal, as text: `12.3`, `0.0`.
    static func minutesText(_ ms: Millis) -> String {
        let tenths = tenthsOfMinute(ms)
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// ISO 8601 in UTC with milliseconds: `2025-03-03T09:00:05.250Z`.
    static func timestamp(_ instant: Instant) -> String {
        let ms = instant.millis
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let milli = msOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(milli, 3))Z"
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(abs(value))
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

/// RFC 4180 CSV writing: fields joined with commas, records ended with CRLF, a field quoted
/// when it holds a comma, a double quote, CR or LF, with inner quotes doubled.
enum CSV {
    static func field(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingQuotes() + "\""
    }

    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var result = ""
        for character in self {
            if character == "\"" { result += "\"\"" } else { result.append(character) }
        }
        return result
    }
}
