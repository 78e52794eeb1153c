import Foundation

/// Which web pages may open a WebSocket to this server. A browser always sends `Origin` (an
/// `http`/`https` origin, or `null` for local files and sandboxed frames); a page on another site
/// must not be able to use a participant's link from inside the participant's browser. Native
/// clients send no `Origin` or a `ws://` one (which any program can forge, so it proves nothing)
/// and are admitted on their token alone.
struct OriginPolicy: Sendable {
    /// Extra allowed origins (`https://school.example`), or `*` for any.
    let allowed: Set<String>
    /// The origin of the server's public URL (`scheme://host[:port]`), always allowed.
    let publicOrigin: String?

    init(publicURL: String, allowed: [String]) {
        self.allowed = Set(allowed.map(Self.normalise))
        publicOrigin = URL(string: publicURL).flatMap(Self.origin(of:))
    }

    /// `host` is the request's `Host` header: a page served by this server is same-origin.
    func admits(origin: String?, host: String?) -> Bool {
        guard let origin, !origin.isEmpty else { return true }
        let o = Self.normalise(origin)
        guard o == "null" || o.hasPrefix("http://") || o.hasPrefix("https://") else { return true }
        if allowed.contains("*") || allowed.contains(o) || o == publicOrigin { return true }
        guard let host, let url = URL(string: o), let h = url.host else { return false }
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(h)\(port)".lowercased() == host.lowercased()
    }

    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme, let host = url.host else { return nil }
        return normalise("\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")")
    }

    static func normalise(_ origin: String) -> String {
        var o = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while o.hasSuffix("/") { o.removeLast() }
        return o
    }
}
