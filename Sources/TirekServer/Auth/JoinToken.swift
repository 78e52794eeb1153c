@preconcurrency import Crypto
import Foundation
import TirekCore
import TirekProtocol

/// The claims of a join token: one lesson, one participant, one role, until `expires`.
public struct JoinClaims: Codable, Equatable, Sendable {
    /// Token id, for revocation (kick).
    public var tokenID: String
    public var lessonID: LessonID
    public var participantID: ParticipantID
    public var role: Role
    public var classroomID: ClassroomID?
    public var displayName: String
    public var issuedAt: Int64
    /// Seconds since the Unix epoch.
    public var expires: Int64

    enum CodingKeys: String, CodingKey {
        case tokenID = "jti", lessonID = "lsn", participantID = "sub", role, classroomID = "cls"
        case displayName = "name", issuedAt = "iat", expires = "exp"
    }

    public init(tokenID: String, lessonID: LessonID, participantID: ParticipantID, role: Role,
                classroomID: ClassroomID?, displayName: String, issuedAt: Int64, expires: Int64) {
        self.tokenID = tokenID
        self.lessonID = lessonID
        self.participantID = participantID
        self.role = role
        self.classroomID = classroomID
        self.displayName = displayName
        self.issuedAt = issuedAt
        self.expires = expires
    }

    public var participant: Participant {
        Participant(id: participantID, role: role, displayName: displayName, classroomID: classroomID)
    }
}

/// Why a token was refused. Each reason has a stable code and an HTTP status for the upgrade reply.
public enum TokenError: Error, Equatable, Sendable {
    case missing
    case malformed
    case badSignature
    case expired
    case wrongLesson
    case revoked
    case notOnRoster

    public var code: String {
        switch self {
        case .missing: "token_missing"
        case .malformed: "token_malformed"
        case .badSignature: "token_bad_signature"
        case .expired: "token_expired"
        case .wrongLesson: "token_wrong_lesson"
        case .revoked: "token_revoked"
        case .notOnRoster: "token_not_on_roster"
        }
    }

    public var message: String {
        switch self {
        case .missing: "a join token is required (?token=...)"
        case .malformed: "the join token is not in the tirek v1 format"
        case .badSignature: "the join token's signature does not match"
        case .expired: "the join token has expired; ask the school for a new link"
        case .wrongLesson: "the join token is for another lesson"
        case .revoked: "this participant was removed from the lesson by an administrator"
        case .notOnRoster: "the participant is no longer on this lesson's roster"
        }
    }

    /// 401 for tokens that are not ours or not valid; 403 for valid tokens that may not enter.
    public var httpStatus: Int {
        switch self {
        case .missing, .malformed, .badSignature, .expired: 401
        case .wrongLesson, .revoked, .notOnRoster: 403
        }
    }
}

/// Signs and verifies join tokens: `v1.<base64url(claims JSON)>.<base64url(HMAC-SHA256)>`.
/// The MAC covers the ASCII bytes `v1.<claims part>`. Layout in Protocols/join-tokens.md.
public struct TokenSigner: Sendable {
    private let key: SymmetricKey

    public init(secret: some DataProtocol) {
        key = SymmetricKey(data: Data(secret))
    }

    /// A fresh random 32-byte secret, hex-encoded.
    public static func generateSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    public func sign(_ claims: JoinClaims) -> String {
        let json = (try? JSONEncoder.sorted.encode(claims)) ?? Data()
        let body = "v1." + Base64URL.encode(json)
        return body + "." + mac(body)
    }

    /// The base64url HMAC-SHA256 of `body`.
    func mac(_ body: String) -> String {
        Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key)))
    }

    /// Checks format, signature and expiry (in that order). Lesson binding, revocation and
    /// roster membership are checked by the caller, who knows the lesson.
    public func verify(_ token: String, now: Instant) throws(TokenError) -> JoinClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", token.utf8.count <= 4096 else { throw .malformed }
        guard let mac = Base64URL.decode(parts[2]), let json = Base64URL.decode(parts[1]) else { throw .malformed }
        let body = Data("v1.\(parts[1])".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) else { throw .badSignature }
        guard let claims = try? JSONDecoder().decode(JoinClaims.self, from: json) else { throw .malformed }
        guard now.millis < claims.expires * 1000 else { throw .expired }
        return claims
    }
}

enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> Data? {
        guard text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d || $0 == 0x5f }) else {
            return nil
        }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
