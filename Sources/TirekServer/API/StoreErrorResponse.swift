import Hummingbird
import TirekStore

/// A store failure answers an HTTP request with its code, in the same JSON as every other API error:
/// `store_unavailable` is 503 (the database cannot be reached; try again), `store_corrupt` 500,
/// `conflict` 409, `not_found` 404.
extension StoreError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .unavailable: .serviceUnavailable
        case .corrupt: .internalServerError
        case .conflict: .conflict
        case .notFound: .notFound
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(status, message: description).response(from: request, context: context)
    }
}
