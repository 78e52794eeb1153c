/// Finds a name that appears twice in one JSON object.
///
/// `ControlDecoder` reads `type` and `id` with JSONSerialization (the last of two equal names wins)
/// and the payload with JSONDecoder (the first wins), so `{"type":"a","type":"b"}` or a repeated
/// field would mean different things to the two readers. RFC 8259 leaves duplicate names to the
/// implementation; the protocol refuses them as `malformed` (found by Fuzz/ControlFuzzer).
enum DuplicateKeys {
    private struct Container {
        let isObject: Bool
        var names: Set<String> = []
    }

    /// The first repeated name, or nil. `json` must already be valid JSON (JSONSerialization
    /// accepted it); names are compared after unescaping, as Swift strings.
    static func first(in json: some Collection<UInt8>) -> String? {
        let bytes = Array(json)
        var stack: [Container] = []
        var expectingName = false
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"):
                stack.append(Container(isObject: true))
                expectingName = true
            case UInt8(ascii: "["):
                stack.append(Container(isObject: false))
                expectingName = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                expectingName = false
            case UInt8(ascii: ","):
                expectingName = stack.last?.isObject ?? false
            case UInt8(ascii: ":"):
                expectingName = false
            case UInt8(ascii: "\""):
                let (string, end) = readString(bytes, openingQuote: i)
                if expectingName, !stack.isEmpty, stack[stack.count - 1].isObject {
                    if !stack[stack.count - 1].names.insert(string).inserted { return string }
                    expectingName = false
                }
                i = end
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// The unescaped string starting at `openingQuote`, and the index of its closing quote.
    private static func readString(_ bytes: [UInt8], openingQuote: Int) -> (String, Int) {
        var utf8: [UInt8] = []
        var i = openingQuote + 1
        func hex4(at start: Int) -> UInt32? {
            guard start + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for byte in bytes[start..<start + 4] {
                guard let digit = Character(UnicodeScalar(byte)).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        func append(_ scalar: UInt32) {
            utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
        }
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            guard bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count else {
                utf8.append(bytes[i])
                i += 1
                continue
            }
            let escaped = bytes[i + 1]
            i += 2
            switch escaped {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4(at: i) else { continue }
                i += 4
                if (0xD800..<0xDC00).contains(unit), i + 6 <= bytes.count,
                   bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                   let low = hex4(at: i + 2), (0xDC00..<0xE000).contains(low) {
                    i += 6
                    append(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    append(unit)
                }
            default: utf8.append(escaped) // \" \\ \/
            }
        }
        return (String(decoding: utf8, as: UTF8.self), i)
    }
}
