@preconcurrency import Crypto
import Foundation
import Hummingbird
import Synchronization

/// Guards the admin API: `Authorization: Bearer <admin key>`. Only the SHA-256 of the key is kept
/// in memory, and comparison is constant-time. Wrong keys are limited per client address: after
/// `failureBurst` failures, one more try every `failureEverySeconds`; until then every request from
/// that address gets 429 `admin_rate_limited` with `Retry-After`, right key or not. Behind a
/// trusted reverse proxy the address is the one the proxy forwards (`ClientAddress`).
struct AdminAuth<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let keyDigest: SHA256Digest
    let failures: FailureLimiter
    let clients: ClientAddress

    init(adminKey: String, trustedProxies: [String] = [], failureBurst: Double = 10, failureEverySeconds: Double = 6) {
        keyDigest = SHA256.hash(data: Data(adminKey.utf8))
        clients = ClientAddress(trustedProxies: trustedProxies)
        failures = FailureLimiter(burst: failureBurst, everySeconds: failureEverySeconds)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = clients.resolve(peer: context.remoteAddress?.ipAddress,
                                     forwardedFor: request.headers[values: ClientAddress.forwardedFor])
        if let wait = failures.wait(client) {
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: "\((wait + 999) / 1000)"],
                            message: "admin_rate_limited: too many wrong admin keys from this address; try again in \(wait) ms")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            failures.record(client)
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "admin_key_missing: send Authorization: Bearer <admin key>")
        }
        let offered = SHA256.hash(data: Data(header.dropFirst("Bearer ".count).utf8))
        // Digest equality in swift-crypto is constant-time.
        guard offered == keyDigest else {
            failures.record(client)
            throw HTTPError(.unauthorized, message: "admin_key_invalid: the admin key is not valid")
        }
        return try await next(request, context)
    }
}

/// Failed attempts per client address, each address a `TokenBucket` on a monotonic clock.
final class FailureLimiter: Sendable {
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let burst: Double
    private let perSecond: Double
    private let start = ContinuousClock.now

    init(burst: Double, everySeconds: Double) {
        self.burst = burst
        perSecond = 1 / everySeconds
    }

    /// Milliseconds this address must wait, or nil if it may try.
    func wait(_ client: String) -> Int64? {
        let now = nowMs()
        return buckets.withLock { b in
            guard var bucket = b[client] else { return nil }
            let wait = bucket.wait(now: now)
            if bucket.isFull(now: now) { b[client] = nil } else { b[client] = bucket }
            return wait > 0 ? wait : nil
        }
    }

    func record(_ client: String) {
        let now = nowMs()
        buckets.withLock { b in
            var bucket = b[client] ?? TokenBucket(capacity: burst, perSecond: perSecond, now: now)
            _ = bucket.take(now: now)
            b[client] = bucket
            if b.count > 10_000 {
                for (key, var old) in b where old.isFull(now: now) { b[key] = nil }
            }
        }
    }

    private func nowMs() -> Int64 { (ContinuousClock.now - start).milliseconds }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
