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

    /// Admits the request or says why not. Store failures propagate as they are.
    func admit(_ request: Request) async throws -> Result<Admitted, TokenError> {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else { return .failure(.missing) }
        let claims: JoinClaims
        do {
            claims = try signer.verify(token, now: clock.now())
        } catch {
            return .failure(error)
        }
        if let lesson = request.uri.queryParameters.get("lesson"), lesson != claims.lessonID.rawValue {
            return .failure(.wrongLesson)
        }
        if try await store.isRevoked(participant: claims.participantID, lesson: claims.lessonID) { return .failure(.revoked) }
        guard let room = try await rooms.room(for: claims.lessonID) else { return .failure(.wrongLesson) }
        guard let member = try await room.member(claims.participantID), member.role == claims.role else {
            return .failure(.notOnRoster)
        }
        return .success(Admitted(claims: claims, room: room))
    }
}

extension TokenError {
    /// The HTTP reply for a plain request (no `Upgrade` header).
    var httpError: HTTPError {
        HTTPError(HTTPResponse.Status(code: httpStatus), message: "\(code): \(message)")
    }

    /// The WebSocket close code for an upgrade request: 4401 for a token that is not valid,
    /// 4403 for a valid token that may not enter. Browsers cannot read the HTTP status of a refused
    /// upgrade, so such requests are upgraded and closed at once with this code and the reason.
    var closeCode: UInt16 { httpStatus == 401 ? 4401 : 4403 }
}
