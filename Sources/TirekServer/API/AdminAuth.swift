@preconcurrency import Crypto
import Foundation
import Hummingbird

/// Guards the admin API: `Authorization: Bearer <admin key>`. Only the SHA-256 of the key is kept
/// in memory, and comparison is constant-time.
struct AdminAuth<Context: RequestContext>: RouterMiddleware {
    let keyDigest: SHA256Digest

    init(adminKey: String) {
        keyDigest = SHA256.hash(data: Data(adminKey.utf8))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "admin_key_missing: send Authorization: Bearer <admin key>")
        }
        let offered = SHA256.hash(data: Data(header.dropFirst("Bearer ".count).utf8))
        // Digest equality in swift-crypto is constant-time.
        guard offered == keyDigest else {
            throw HTTPError(.unauthorized, message: "admin_key_invalid: the admin key is not valid")
        }
        return try await next(request, context)
    }
}
