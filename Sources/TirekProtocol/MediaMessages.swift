import TirekCore

/// `media.prefs`: what this subscriber wants to receive. Classrooms on very slow links ask
/// for audio only, or for the server's low-bandwidth camera rendition.
public struct MediaPreferences: ClientPayload {
    public static let type = "media.prefs"
    public var audioOnly: Bool
    public var lowBandwidth: Bool

    enum CodingKeys: String, CodingKey {
        case audioOnly = "audio_only"
        case lowBandwidth = "low_bandwidth"
    }

    public init(audioOnly: Bool = false, lowBandwidth: Bool = false) {
        self.audioOnly = audioOnly
        self.lowBandwidth = lowBandwidth
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        audioOnly = try c.decodeIfPresent(Bool.self, forKey: .audioOnly) ?? false
        lowBandwidth = try c.decodeIfPresent(Bool.self, forKey: .lowBandwidth) ?? false
    }
}

/// `media.keyframe_request`: a subscriber whose decoder lost the picture asks for a keyframe.
public struct KeyframeRequest: ClientPayload {
    public static let type = "media.keyframe_request"
    public var track: String
    public init(track: String) { self.track = track }

    public var mediaTrack: MediaTrack? {
        MediaTrack.allCases.first { $0.description == track && $0.kind == .video }
    }

    public func validate() throws(ProtocolError) {
        guard mediaTrack != nil else {
            throw ProtocolError(.invalidField, "track must be one of camera, screen, camera_low")
        }
    }
}
