import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the browser client (`Public/`: plain HTML, CSS and ES modules, no build step).
///
/// - `GET`/`HEAD` only; `/v1/…`, `/healthz` and `/metrics` are never looked up here.
/// - `/` → `index.html`, `/join` → `join.html`, `/admin` → `admin.html`; other paths map to files
///   under the root. A path with a `.` or `..` segment, a backslash or a NUL (also percent-encoded)
///   is refused with 404 before the file system is touched; a resolved path (symlinks followed)
///   outside the root is refused too.
/// - Content types by extension (`.js` is `text/javascript`); `ETag` from size and modification
///   time with `If-None-Match` → 304; `Cache-Control: no-cache` (revalidate, since file names are
///   not versioned) and `X-Content-Type-Options: nosniff`.
struct StaticFiles<Context: RequestContext>: RouterMiddleware {
    let root: URL

    static var aliases: [String: String] { ["/": "index.html", "/join": "join.html", "/admin": "admin.html"] }

    static var contentTypes: [String: String] {
        ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
         "css": "text/css; charset=utf-8", "json": "application/json; charset=utf-8", "svg": "image/svg+xml",
         "png": "image/png", "jpg": "image/jpeg", "ico": "image/x-icon", "txt": "text/plain; charset=utf-8",
         "woff2": "font/woff2", "webmanifest": "application/manifest+json"]
    }

    /// The public directory: `configured` if given (must exist), else `Public` in the working
    /// directory, else `Public` next to the executable or in one of its parent folders
    /// (`.build/debug/tirek` → the package root). Nil when none is found (the server then serves no pages).
    static func locate(_ configured: String?) -> URL? {
        let fm = FileManager.default
        func isDir(_ url: URL) -> Bool {
            var dir: ObjCBool = false
            return fm.fileExists(atPath: url.path, isDirectory: &dir) && dir.boolValue
        }
        if let configured { let url = URL(fileURLWithPath: configured).standardizedFileURL; return isDir(url) ? url : nil }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Public")
        if isDir(cwd) { return cwd.standardizedFileURL }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("Public")
            if isDir(candidate) { return candidate.standardizedFileURL }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    init(root: URL) {
        self.root = root.resolvingSymlinksInPath().standardizedFileURL
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        let rawPath = request.uri.path
        if rawPath == "/v1" || rawPath.hasPrefix("/v1/") || rawPath == "/healthz" || rawPath == "/metrics" {
            return try await next(request, context)
        }
        guard let relative = Self.relativePath(rawPath) else { return Response(status: .notFound) }
        let file = root.appendingPathComponent(relative).resolvingSymlinksInPath().standardizedFileURL
        guard file.path.hasPrefix(root.path + "/") else { return Response(status: .notFound) }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let attributes = try? fm.attributesOfItem(atPath: file.path) else {
            return try await next(request, context)
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let etag = "\"\(String(size, radix: 16))-\(String(Int64(modified * 1000), radix: 16))\""
        var headers: HTTPFields = [:]
        headers[.contentType] = Self.contentTypes[file.pathExtension.lowercased()] ?? "application/octet-stream"
        headers[.cacheControl] = "no-cache"
        headers[.eTag] = etag
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(size)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        guard let data = fm.contents(atPath: file.path) else { return Response(status: .notFound) }
        headers[.contentLength] = String(data.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The file path under the root for a URL path, or nil if it must be refused.
    static func relativePath(_ rawPath: String) -> String? {
        if let alias = aliases[rawPath] { return alias }
        guard let decoded = rawPath.removingPercentEncoding else { return nil }
        if decoded.contains("\\") || decoded.contains("\0") { return nil }
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: true)
        guard !segments.isEmpty else { return nil }
        for segment in segments where segment == "." || segment == ".." || segment.hasPrefix(".") { return nil }
        return segments.joined(separator: "/")
    }
}
