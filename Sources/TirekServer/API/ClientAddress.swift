import Foundation
import HTTPTypes

/// The address of the client behind a request, for per-client limits (the admin API's failed-key
/// limit). Behind a reverse proxy every request comes from the proxy, so one school's typos would
/// lock out every administrator; a proxy named in `--trusted-proxy` (an address or a CIDR range,
/// e.g. a Kubernetes pod network) says who its client was in `X-Forwarded-For`. Only trusted peers
/// are believed: anyone else could name any address there.
///
/// Pure: `X-Forwarded-For` lists the client first and each proxy's peer after it, so the header is
/// read from the right, skipping trusted proxies, and the first address not trusted is the client.
struct ClientAddress: Sendable {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    let trusted: [AddressRange]

    /// Entries that are neither an address nor a range are ignored (`tirek serve` refuses them first).
    init(trustedProxies: [String]) {
        trusted = trustedProxies.compactMap(AddressRange.init)
    }

    func resolve(peer: String?, forwardedFor: [String]) -> String {
        guard let peer else { return "unknown" }
        guard isTrusted(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !hop.isEmpty && !isTrusted(hop) {
            return hop
        }
        return peer
    }

    private func isTrusted(_ address: String) -> Bool {
        guard let bytes = AddressRange.bytes(of: address) else { return false }
        return trusted.contains { $0.contains(bytes) }
    }
}

/// An IPv4 or IPv6 address, or a CIDR range of them (`10.0.0.0/8`, `fd00::/8`).
struct AddressRange: Sendable, Equatable {
    let network: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let network = Self.bytes(of: String(parts[0])) else { return nil }
        let bits = network.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            prefix = bits
        }
        self.network = network
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == network.count else { return false }
        var left = prefix
        for (a, n) in zip(address, network) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != n & mask { return false }
            left -= 8
        }
        return true
    }

    /// The address's bytes (4 or 16), or nil if it is not an IP address.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

extension ServerConfig {
    /// The entries of a trusted-proxy list that are neither an IP address nor a CIDR range.
    public static func invalidProxyEntries(_ entries: [String]) -> [String] {
        entries.filter { AddressRange($0) == nil }
    }
}
