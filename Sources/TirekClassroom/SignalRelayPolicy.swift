import TirekCore

public enum SignalKind: String, Hashable, Sendable, Codable, CaseIterable {
    case offer, answer, ice
}

/// An approved relay: the I/O layer forwards the payload unchanged from `from` to `to`.
public struct SignalRelay: Hashable, Sendable, Codable {
    public var kind: SignalKind
    public var from: ParticipantID
    public var to: ParticipantID
    public var payloadBytes: Int

    private enum CodingKeys: String, CodingKey {
        case kind, from, to
        case payloadBytes = "payload_bytes"
    }
}

/// Validates WebRTC offer/answer/ICE messages relayed between two named participants of the
/// same lesson. Checks, in order: kind (`invalid_value`), sender in the lesson
/// (`not_in_lesson`), sender not an observer (`forbidden`), target not the sender
/// (`invalid_value`), target in the lesson (`not_in_lesson`), target not an observer
/// (`forbidden`), payload not empty (`invalid_value`), payload size in UTF-8 bytes
/// (`payload_too_large`: 16 KiB for offer/answer SDP, 2 KiB for an ICE candidate).
public struct SignalRelayPolicy: Sendable, Equatable, Codable {
    public var maxSDPBytes: Int
    public var maxICEBytes: Int

    public init(maxSDPBytes: Int = 16 * 1024, maxICEBytes: Int = 2 * 1024) {
        self.maxSDPBytes = maxSDPBytes
        self.maxICEBytes = maxICEBytes
    }

    private enum CodingKeys: String, CodingKey {
        case maxSDPBytes = "max_sdp_bytes"
        case maxICEBytes = "max_ice_bytes"
    }

    public func limit(for kind: SignalKind) -> Int {
        kind == .ice ? maxICEBytes : maxSDPBytes
    }

    /// - Parameter lookup: the lesson's participants by id (nil: not in this lesson).
    public func validate(
        kind rawKind: String, payload: String, from sender: ParticipantID, to target: ParticipantID,
        lookup: (ParticipantID) -> Participant?
    ) throws -> SignalRelay {
        guard let kind = SignalKind(rawValue: rawKind) else {
            throw Refusal(.invalidValue, "signal kind must be offer, answer or ice")
        }
        guard let from = lookup(sender) else {
            throw Refusal(.signalPeerNotInLesson, "the sender is not in this lesson")
        }
        guard from.role != .observer else { throw Refusal(.forbidden, "observers do not take part in calls") }
        guard target != sender else { throw Refusal(.invalidValue, "cannot signal yourself") }
        guard let to = lookup(target) else {
            throw Refusal(.signalPeerNotInLesson, "\(target) is not in this lesson")
        }
        guard to.role != .observer else { throw Refusal(.forbidden, "observers do not take part in calls") }
        let bytes = payload.utf8.count
        guard bytes > 0 else { throw Refusal(.invalidValue, "the payload is empty") }
        guard bytes <= limit(for: kind) else {
            throw Refusal(.signalPayloadTooLarge, "\(kind.rawValue) payload is \(bytes) bytes; the limit is \(limit(for: kind))")
        }
        return SignalRelay(kind: kind, from: from.id, to: to.id, payloadBytes: bytes)
    }
}
