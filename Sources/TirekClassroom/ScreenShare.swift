import TirekCore

/// An active screen share: its own video track, relayed to everyone in its scope.
public struct ScreenShare: Hashable, Sendable, Codable {
    public var scope: InteractionScope
    public var sharerID: ParticipantID
    public var sharerRole: Role
    /// The lead who granted the request; absent when the lead started sharing themselves.
    public var grantedBy: ParticipantID?
    public var startedAt: Instant

    private enum CodingKeys: String, CodingKey {
        case scope
        case sharerID = "sharer_id"
        case sharerRole = "sharer_role"
        case grantedBy = "granted_by"
        case startedAt = "started_at"
    }
}

/// A pending request to share, waiting for the lead of its scope.
public struct ShareRequest: Hashable, Sendable, Codable {
    public var scope: InteractionScope
    public var requesterID: ParticipantID
    public var requesterRole: Role
    public var requestedAt: Instant

    private enum CodingKeys: String, CodingKey {
        case scope
        case requesterID = "requester_id"
        case requesterRole = "requester_role"
        case requestedAt = "requested_at"
    }
}

public enum ShareStopReason: String, Hashable, Sendable, Codable {
    /// The sharer or the lead stopped it.
    case stopped
    /// The lead started or granted another share in the same scope.
    case preempted
    case sharerDisconnected = "sharer_disconnected"
    /// The lead (phase) changed: the floor moved.
    case leadChanged = "lead_changed"
}

public enum ScreenShareAction: Hashable, Sendable {
    case started(ScreenShare)
    case stopped(ScreenShare, ShareStopReason)
    /// A new request for the lead to answer.
    case requested(ShareRequest)
    case requestRefused(ShareRequest, by: ParticipantID)
    /// Withdrawn by the requester, or dropped because they disconnected or the lead changed.
    case requestWithdrawn(ShareRequest)
}

/// Screen-share arbitration: one active share per scope. While the hub leads the scope is the
/// lesson (lead: hub teacher); while local teachers lead each classroom is a scope (lead: its
/// local teacher). The lead of a scope starts sharing directly; a local teacher (hub lead only),
/// a student or a classroom screen requests, and the lead grants or refuses. Observers,
/// assistants and admins never share. Every refused command leaves the state unchanged.
public struct ScreenShares: Sendable, Equatable, Codable {
    public private(set) var shares: [ScreenShare] = []
    public private(set) var requests: [ShareRequest] = []

    public init() {}

    public func share(in scope: InteractionScope) -> ScreenShare? {
        shares.first { $0.scope == scope }
    }

    /// The lead of the current scope starts sharing; a share by someone else is preempted.
    public mutating func start(by sender: Participant, lead: Lead, at: Instant) throws -> [ScreenShareAction] {
        guard let scope = InteractionScope.routed(lead: lead, classroomID: sender.classroomID),
            scope.isLed(by: sender)
        else {
            throw Refusal(.forbidden, "only the current lead shares directly; others request to share")
        }
        if let current = share(in: scope), current.sharerID == sender.id {
            throw Refusal(.invalidState, "you are already sharing")
        }
        var actions = stopShare(in: scope, reason: .preempted)
        let share = ScreenShare(scope: scope, sharerID: sender.id, sharerRole: sender.role, grantedBy: nil, startedAt: at)
        shares.append(share)
        actions.append(.started(share))
        return actions
    }

    /// Asks the current lead for permission to share. Repeating a pending request changes nothing.
    public mutating func request(by sender: Participant, lead: Lead, at: Instant) throws -> [ScreenShareAction] {
        switch sender.role {
        case .student, .classroom: break
        case .localTeacher where lead == .hub: break
        case .localTeacher:
            throw Refusal(.invalidState, "you lead now; start sharing directly")
        default:
            throw Refusal(.forbidden, "\(sender.role.rawValue) may not share a screen")
        }
        guard let scope = InteractionScope.routed(lead: lead, classroomID: sender.classroomID) else {
            throw Refusal(.invalidState, "local teachers lead now and you have no classroom")
        }
        if share(in: scope)?.sharerID == sender.id {
            throw Refusal(.invalidState, "you are already sharing")
        }
        if requests.contains(where: { $0.requesterID == sender.id && $0.scope == scope }) { return [] }
        let request = ShareRequest(scope: scope, requesterID: sender.id, requesterRole: sender.role, requestedAt: at)
        requests.append(request)
        return [.requested(request)]
    }

    /// The lead grants a request: the requester's share starts, preempting any current one.
    public mutating func grant(_ requester: ParticipantID, by sender: Participant, at: Instant) throws -> [ScreenShareAction] {
        let index = try requestIndex(requester, leadBy: sender)
        let request = requests.remove(at: index)
        var actions = stopShare(in: request.scope, reason: .preempted)
        let share = ScreenShare(
            scope: request.scope, sharerID: request.requesterID, sharerRole: request.requesterRole,
            grantedBy: sender.id, startedAt: at)
        shares.append(share)
        actions.append(.started(share))
        return actions
    }

    public mutating func refuse(_ requester: ParticipantID, by sender: Participant, at: Instant) throws -> [ScreenShareAction] {
        let index = try requestIndex(requester, leadBy: sender)
        return [.requestRefused(requests.remove(at: index), by: sender.id)]
    }

    public mutating func withdraw(by sender: Participant, at: Instant) throws -> [ScreenShareAction] {
        let mine = requests.filter { $0.requesterID == sender.id }
        guard !mine.isEmpty else { throw Refusal(.notFound, "you have no pending share request") }
        requests.removeAll { $0.requesterID == sender.id }
        return mine.map { .requestWithdrawn($0) }
    }

    /// Stops the share in `scope`: by its sharer or the scope's lead.
    public mutating func stop(in scope: InteractionScope, by sender: Participant, at: Instant) throws -> [ScreenShareAction] {
        guard let current = share(in: scope) else { throw Refusal(.invalidState, "nothing is being shared") }
        guard current.sharerID == sender.id || scope.isLed(by: sender) else {
            throw Refusal(.forbidden, "only the sharer or the lead stops a share")
        }
        return stopShare(in: scope, reason: .stopped)
    }

    /// The participant dropped: their shares stop, their requests go.
    public mutating func disconnected(_ participant: ParticipantID, at: Instant) -> [ScreenShareAction] {
        var actions: [ScreenShareAction] = shares.filter { $0.sharerID == participant }.map { .stopped($0, .sharerDisconnected) }
        shares.removeAll { $0.sharerID == participant }
        actions += requests.filter { $0.requesterID == participant }.map { .requestWithdrawn($0) }
        requests.removeAll { $0.requesterID == participant }
        return actions
    }

    /// The lead changed (phase change): every share stops and every request is dropped.
    public mutating func phaseChanged(newLead: Lead, at: Instant) -> [ScreenShareAction] {
        let actions = shares.map { ScreenShareAction.stopped($0, .leadChanged) }
            + requests.map { ScreenShareAction.requestWithdrawn($0) }
        shares = []
        requests = []
        return actions
    }

    private func requestIndex(_ requester: ParticipantID, leadBy sender: Participant) throws -> Int {
        guard let index = requests.firstIndex(where: { $0.requesterID == requester }) else {
            throw Refusal(.notFound, "no pending share request from \(requester)")
        }
        guard requests[index].scope.isLed(by: sender) else {
            throw Refusal(.forbidden, "only the lead of \(requests[index].scope) answers this request")
        }
        return index
    }

    private mutating func stopShare(in scope: InteractionScope, reason: ShareStopReason) -> [ScreenShareAction] {
        guard let index = shares.firstIndex(where: { $0.scope == scope }) else { return [] }
        return [.stopped(shares.remove(at: index), reason)]
    }
}
