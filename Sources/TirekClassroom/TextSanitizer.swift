/// Cleans user text for display. The server does not HTML-escape: clients must render chat,
/// questions and poll options as plain text. No Unicode normalisation (NFC) is applied either;
/// Swift compares strings by canonical equivalence, and clients may normalise for display.
///
/// What it does, in order:
/// 1. `\r\n` and lone `\r`, U+2028 and U+2029 become `\n`; a tab becomes a space.
/// 2. Other control characters (Unicode category Cc) are removed, as are the invisible
///    characters used for spoofing: bidi embeddings/overrides/isolates (U+202A–U+202E,
///    U+2066–U+2069), deprecated format characters (U+206A–U+206F), zero-width space (U+200B)
///    and the byte-order mark (U+FEFF). Zero-width joiners (emoji, scripts) are kept.
/// 3. When newlines are not allowed, each newline becomes a space.
/// 4. Trailing whitespace is removed from every line; runs of blank lines are collapsed so at most
///    `maxConsecutiveNewlines` newlines follow each other (2 = at most one empty line).
/// 5. Leading and trailing whitespace and newlines of the whole text are removed.
public enum TextSanitizer {
    public static func sanitize(
        _ raw: String, allowNewlines: Bool = true, maxConsecutiveNewlines: Int = 2
    ) -> String {
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in raw.unicodeScalars {
            let wasCR = previousWasCR
            previousWasCR = false
            switch scalar.value {
            case 0x0D:
                scalars.append(allowNewlines ? "\n" : " ")
                previousWasCR = true
            case 0x0A:
                if wasCR { continue } // the \n of \r\n
                scalars.append(allowNewlines ? "\n" : " ")
            case 0x2028, 0x2029:
                scalars.append(allowNewlines ? "\n" : " ")
            case 0x09:
                scalars.append(" ")
            case 0x200B, 0xFEFF, 0x202A...0x202E, 0x2066...0x2069, 0x206A...0x206F:
                continue
            default:
                if scalar.properties.generalCategory == .control { continue }
                scalars.append(scalar)
            }
        }
        let lines = String(scalars).split(separator: "\n", omittingEmptySubsequences: false)
        var kept: [Substring] = []
        var blankRun = 0
        let maxBlank = max(0, maxConsecutiveNewlines - 1)
        for line in lines {
            let trimmed = line.trimmingTrailingWhitespace()
            if trimmed.isEmpty {
                blankRun += 1
                if blankRun > maxBlank { continue }
            } else {
                blankRun = 0
            }
            kept.append(trimmed)
        }
        let joined = kept.joined(separator: "\n")
        return String(joined.trimmingWhitespaceAndNewlines())
    }
}

extension StringProtocol {
    func trimmingTrailingWhitespace() -> SubSequence {
        var end = endIndex
        while end > startIndex {
            let before = index(before: end)
            guard self[before].isWhitespace else { break }
            end = before
        }
        return self[startIndex..<end]
    }

    func trimmingWhitespaceAndNewlines() -> SubSequence {
        var start = startIndex
        while start < endIndex, self[start].isWhitespace { start = index(after: start) }
        var end = endIndex
        while end > start {
            let before = index(before: end)
            guard self[before].isWhitespace else { break }
            end = before
        }
        return self[start..<end]
    }
}
