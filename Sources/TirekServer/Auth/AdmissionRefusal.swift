import Hummingbird

/// Why a WebSocket upgrade was refused, with the code, HTTP status and close code clients see.
enum AdmissionRefusal: Error, Equatable, Sendable {
    case token(TokenError)
    /// A browser page from an origin that is not this server's nor configured as allowed.
    case originNotAllowed
    /// Joins are paced (reconnect storms); try again after the hint.
    case joinRateLimited(retryAfterMs: Int64, participant: Bool)

    var code: String {
        switch self {
        case .token(let e): e.code
        case .originNotAllowed: "origin_not_allowed"
        case .joinRateLimited: "join_rate_limited"
        }
    }

    var message: String {
        switch self {
        case .token(let e): e.message
        case .originNotAllowed: "this page's origin may not open lessons on this server"
        case .joinRateLimited(let ms, participant: true): "you reconnected too often; try again in \(ms) ms"
        case .joinRateLimited(let ms, participant: false): "many clients are joining at once; try again in \(ms) ms"
        }
    }

    var httpStatus: Int {
        switch self {
        case .token(let e): e.httpStatus
        case .originNotAllowed: 403
        case .joinRateLimited: 429
        }
    }

    var retryAfterMs: Int64? {
        if case .joinRateLimited(let ms, _) = self { ms } else { nil }
    }

    /// The WebSocket close code: 4000 + the HTTP status (4401, 4403, 4429). Browsers cannot read
    /// the HTTP status of a refused upgrade, so such requests are upgraded and closed at once.
    var closeCode: UInt16 { UInt16(4000 + httpStatus) }

    /// The HTTP reply for a plain request (no `Upgrade` header).
    var httpError: HTTPError {
        var headers = HTTPFields()
        if let ms = retryAfterMs { headers[.retryAfter] = "\((ms + 999) / 1000)" }
        return HTTPError(HTTPResponse.Status(code: httpStatus), headers: headers, message: "\(code): \(message)")
    }
}
