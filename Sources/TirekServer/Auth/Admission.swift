import Hummingbird
import TirekCore
import TirekStore

/// Decides whether a WebSocket upgrade may go ahead: a valid, unexpired, unrevoked join token for a
/// lesson that exists, naming a participant who is on that lesson's roster with that role.
struct Admission: Sendable {
    let signer: TokenSigner
    let store: any TirekStore
    let rooms: RoomRegistry
    let clock: any WallClock

    struct Admitted: Sendable {
        let claims: JoinClaims
        let room: LessonRoom
    }

    func admit(_ request: Request) async throws -> Admitted {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
            throw Self.refuse(.missing)
        }
        let claims: JoinClaims
        do {
            claims = try signer.verify(token, now: clock.now())
        } catch {
            throw Self.refuse(error)
        }
        if let lesson = request.uri.queryParameters.get("lesson"), lesson != claims.lessonID.rawValue {
            throw Self.refuse(.wrongLesson)
        }
        if try await store.isRevoked(participant: claims.participantID, lesson: claims.lessonID) { throw Self.refuse(.revoked) }
        guard let room = try await rooms.room(for: claims.lessonID) else { throw Self.refuse(.wrongLesson) }
        guard let member = try await room.member(claims.participantID), member.role == claims.role else {
            throw Self.refuse(.notOnRoster)
        }
        return Admitted(claims: claims, room: room)
    }

    static func refuse(_ error: TokenError) -> HTTPError {
        HTTPError(HTTPResponse.Status(code: error.httpStatus), message: "\(error.code): \(error.message)")
    }
}
