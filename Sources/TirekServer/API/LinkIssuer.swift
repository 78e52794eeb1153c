import Foundation
import TirekCore

/// Issues the join links of a lesson: one per participant and one per classroom screen.
public struct LinkIssuer: Sendable {
    let signer: TokenSigner
    /// Base URL that participants reach the server at, e.g. `https://tirek.school.kz`.
    let publicURL: String
    /// How long a link stays valid after the lesson's scheduled start.
    let validAfterStart: Int64

    public init(signer: TokenSigner, publicURL: String, validAfterStartSeconds: Int64) {
        self.signer = signer
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        validAfterStart = validAfterStartSeconds
    }

    public func links(for roster: LessonRoster, now: Instant) -> [JoinLink] {
        roster.participants.map { link(for: $0, lesson: roster.lesson, now: now) }
    }

    public func link(for participant: Participant, lesson: LessonRecord, now: Instant) -> JoinLink {
        let issued = now.millis / 1000
        let expires = max(lesson.scheduledStart.millis / 1000, issued) + validAfterStart
        let claims = JoinClaims(tokenID: UUID().uuidString.lowercased(), lessonID: lesson.id, participantID: participant.id,
                                role: participant.role, classroomID: participant.classroomID,
                                displayName: participant.displayName, issuedAt: issued, expires: expires)
        let token = signer.sign(claims)
        let wsBase = publicURL.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
        return JoinLink(participant: participant, token: token,
                        url: "\(publicURL)/join?token=\(token)",
                        wsURL: "\(wsBase)/v1/ws?token=\(token)", expires: expires)
    }
}
