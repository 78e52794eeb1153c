import Foundation
import Testing
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

@Suite struct TokenTests {
    let signer = TokenSigner(secret: Data("secret-one".utf8))

    func claims(expires: Int64 = 2_000, role: Role = .student) -> JoinClaims {
        JoinClaims(tokenID: "j1", lessonID: "L1", participantID: "s1", role: role, classroomID: "c1",
                   displayName: "Aruzhan", issuedAt: 1_000, expires: expires)
    }

    @Test func signedTokenVerifiesWithSameClaims() throws {
        let token = signer.sign(claims())
        #expect(token.hasPrefix("v1."))
        #expect(token.split(separator: ".").count == 3)
        let back = try signer.verify(token, now: .seconds(1_500))
        #expect(back == claims())
        #expect(back.participant == Participant(id: "s1", role: .student, displayName: "Aruzhan", classroomID: "c1"))
    }

    @Test func expiryIsExclusive() throws {
        let token = signer.sign(claims(expires: 2_000))
        _ = try signer.verify(token, now: Instant(millis: 1_999_999))
        #expect(throws: TokenError.expired) { try signer.verify(token, now: .seconds(2_000)) }
    }

    @Test func anotherKeyIsRejected() {
        let other = TokenSigner(secret: Data("secret-two".utf8))
        #expect(throws: TokenError.badSignature) { try other.verify(signer.sign(claims()), now: .seconds(1_500)) }
    }

    @Test func roleCannotBeChangedWithoutBreakingTheSignature() throws {
        let token = signer.sign(claims(role: .student))
        let parts = token.split(separator: ".").map(String.init)
        let forgedClaims = signer.sign(claims(role: .hubTeacher)).split(separator: ".").map(String.init)[1]
        let forged = [parts[0], forgedClaims, parts[2]].joined(separator: ".")
        #expect(throws: TokenError.badSignature) { try signer.verify(forged, now: .seconds(1_500)) }
    }

    @Test(arguments: ["", "v1", "v1.a", "v2.abc.def", "v1.abc.def.ghi", "v1.***.abc", "v1.YWJj.***"])
    func malformedTokens(_ token: String) {
        #expect(throws: TokenError.malformed) { try signer.verify(token, now: .seconds(1_500)) }
    }

    @Test func validSignatureOverNonJSONIsMalformed() {
        // Sign garbage claims by hand: the MAC is right, the body is not claims.
        let body = "v1." + Base64URL.encode(Data("not json".utf8))
        let mac = signer.mac(body)
        #expect(throws: TokenError.malformed) { try signer.verify(body + "." + mac, now: .seconds(1_500)) }
    }

    @Test func errorCodesAndStatuses() {
        #expect(TokenError.expired.httpStatus == 401)
        #expect(TokenError.revoked.httpStatus == 403)
        #expect(TokenError.wrongLesson.code == "token_wrong_lesson")
    }
}
