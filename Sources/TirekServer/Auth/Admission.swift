import Hummingbird
import HummingbirdCore
import TirekCore
import TirekStore

/// Decides whether a WebSocket upgrade may go ahead: a valid, unexpired, unrevoked join token for a
/// lesson that exists, naming a participant who is on that lesson's roster with that role.
struct Admission: Sendable {
    let signer: TokenSigner
    let store: any TirekStore
    let rooms: RoomRegistry
    let clock: any WallClock
    let origins: OriginPolicy
    let pacer: JoinGate

    struct Admitted: Sendable {
        let claims: JoinClaims
        let room: LessonRoom
    }

    /// Admits the request or says why not. Store failures propagate as they are. With `pace`, an
    /// admitted join also takes its turn in the `JoinPacer` (WebSocket upgrades pace; a plain GET,
    /// which joins nothing, does not).
    func admit(_ request: HTTPRequest, pace: Bool) async throws -> Result<Admitted, AdmissionRefusal> {
        guard origins.admits(origin: request.headerFields[.origin], host: request.authority) else {
            return .failure(.originNotAllowed)
        }
        switch try await admitToken(URI(request.path ?? "").queryParameters) {
        case .failure(let e):
            return .failure(.token(e))
        case .success(let admitted):
            guard pace else { return .success(admitted) }
            switch pacer.decide(lesson: admitted.claims.lessonID, participant: admitted.claims.participantID) {
            case .admit: return .success(admitted)
            case .busy(let ms): return .failure(.joinRateLimited(retryAfterMs: ms, participant: false))
            case .tooOften(let ms): return .failure(.joinRateLimited(retryAfterMs: ms, participant: true))
            }
        }
    }

    private func admitToken(_ query: FlatDictionary<Substring, Substring>) async throws -> Result<Admitted, TokenError> {
        guard let token = query.get("token"), !token.isEmpty else { return .failure(.missing) }
        let claims: JoinClaims
        do {
            claims = try signer.verify(token, now: clock.now())
        } catch {
            return .failure(error)
        }
        if let lesson = query.get("lesson"), lesson != claims.lessonID.rawValue {
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
