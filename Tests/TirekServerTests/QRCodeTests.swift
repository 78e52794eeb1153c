import Foundation
import Testing
@_spi(Benchmarks) @testable import TirekServer

@Suite struct QRCodeTests {
    /// The 7×7 finder pattern: dark ring, light ring, dark 3×3 centre, light separator outside.
    func hasFinder(_ qr: QRCode, x: Int, y: Int) -> Bool {
        for dy in 0..<7 {
            for dx in 0..<7 {
                let ring = max(abs(dx - 3), abs(dy - 3))
                if qr.isDark(x: x + dx, y: y + dy) != (ring != 2) { return false }
            }
        }
        return true
    }

    @Test func shortTextIsVersionOneWithThreeFinderPatterns() throws {
        let qr = try QRCode("TIREK")
        #expect(qr.width == 21)
        #expect(hasFinder(qr, x: 0, y: 0))
        #expect(hasFinder(qr, x: 14, y: 0))
        #expect(hasFinder(qr, x: 0, y: 14))
        #expect(!hasFinder(qr, x: 14, y: 14), "the fourth corner has no finder")
        #expect(!qr.isDark(x: 7, y: 0) && !qr.isDark(x: 0, y: 7), "separators are light")
    }

    @Test func joinLinksFitAndDifferentTextsDiffer() throws {
        let link = "http://127.0.0.1:8080/join?token=v1." + String(repeating: "eyJleHAiOjE3OTYwMDk1NDAsImlhdCI6", count: 9)
        let qr = try QRCode(link)
        #expect(qr.width > 21 && qr.width <= 177)
        #expect((qr.width - 17) % 4 == 0)
        #expect(try QRCode(link + "x").modules != qr.modules)
        let svg = qr.svg()
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("viewBox=\"0 0 \(qr.width + 8) \(qr.width + 8)\""))
    }

    @Test func tooLongTextIsAnError() {
        #expect(throws: QRCode.Failure.tooLong) { try QRCode(String(repeating: "x", count: 4000)) }
    }

    @Test func adminRouteRendersAParticipantsJoinLink() async throws {
        let server = try await RunningServer.start()
        _ = try await LessonFixture.make(on: server, classrooms: 1, students: 1)
        let (status, body) = try await server.request(.get, "/v1/lessons/L1/links/screen-c1/qr.svg")
        #expect(status == 200 && body.hasPrefix("<svg"))
        #expect(try await server.request(.get, "/v1/lessons/L1/links/nobody/qr.svg").status == 404)
        #expect(try await server.request(.get, "/v1/lessons/L1/links/screen-c1/qr.svg", admin: false).status == 401)
        try await server.stop()
    }
}
