import Foundation
import TirekCore
import TirekProtocol

/// Fuzz target: the bytes are one WebSocket text frame. Feeds them to `ControlDecoder` (decode and
/// validate, as WebSocketSession's read loop does) and checks what comes back against the rules
/// of Protocols/README.md and Protocols/errors.md. Any violated invariant traps, which libFuzzer
/// reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func controlFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    check(input)
    // What the server sees: the WebSocket layer hands over a String, so invalid UTF-8 arrives repaired.
    let text = String(decoding: input, as: UTF8.self)
    if !text.utf8.elementsEqual(input) { check(Array(text.utf8)) }
    return 0
}

let decoder = ControlDecoder()
let wireCodes: Set<ErrorCode> = [.malformed, .missingType, .unknownType, .invalidField, .tooLarge]
/// Error messages go back to the client and into logs: they may quote the input, but only a little.
let maxErrorMessageCharacters = 512

func fail(_ why: String, _ input: [UInt8]) -> Never {
    let shown = String(decoding: input.prefix(300), as: UTF8.self).debugDescription
    fatalError("control invariant violated: \(why) [input \(input.count) bytes: \(shown)\(input.count > 300 ? "…" : "")]")
}

func run(_ bytes: [UInt8]) -> Result<ClientFrame, ProtocolError> {
    do throws(ProtocolError) { return .success(try decoder.decode(bytes)) } catch { return .failure(error) }
}

func describe(_ result: Result<ClientFrame, ProtocolError>) -> String {
    switch result {
    case .success(let frame): "ok \(frame)"
    case .failure(let error): "error \(error.code.rawValue) id=\(error.requestID ?? "nil"): \(error.message)"
    }
}

func check(_ input: [UInt8]) {
    let result = run(input)
    // The same bytes always give the same answer.
    let again = run(input)
    guard result == again else { fail("decoded twice differently: \(describe(result)) / \(describe(again))", input) }

    // Independent reading of the envelope of every control message: size, JSON object, id, type.
    let object: [String: Any]?
    if input.count > WireLimits.maxControlMessageBytes {
        guard case .failure(let error) = result, error.code == .tooLarge, error.requestID == nil else {
            fail("over the size limit but \(describe(result))", input)
        }
        object = nil
    } else {
        object = (try? JSONSerialization.jsonObject(with: Data(input))) as? [String: Any]
    }

    switch result {
    case .failure(let error):
        guard wireCodes.contains(error.code) else { fail("error code \(error.code.rawValue) is not a control-message code", input) }
        guard !error.message.isEmpty, error.message.count <= maxErrorMessageCharacters else {
            fail("error message is empty or \(error.message.count) characters long (limit \(maxErrorMessageCharacters))", input)
        }
        if let id = error.requestID, id.isEmpty || id.count > WireLimits.maxRequestIDLength {
            fail("error carries an invalid request id \(id.debugDescription)", input)
        }
        guard let object else {
            if input.count <= WireLimits.maxControlMessageBytes, error.code != .malformed {
                fail("not a JSON object but \(describe(result))", input)
            }
            return
        }
        // A repeated name is refused before anything is read (JSONSerialization and JSONDecoder
        // would disagree on which one counts).
        if error.code == .malformed {
            guard error.message.hasPrefix("duplicate key"), error.requestID == nil else {
                fail("a JSON object refused as \(describe(result))", input)
            }
            return
        }
        let id = object["id"] as? String
        if let rawID = object["id"], id == nil || id!.isEmpty || id!.count > WireLimits.maxRequestIDLength {
            guard error.code == .invalidField, error.requestID == nil else {
                fail("invalid id \(rawID) but \(describe(result))", input)
            }
            return
        }
        // Once the id is read, every error names it so the client can match the reply.
        guard error.requestID == id else { fail("error lost the request id \(id ?? "nil"): \(describe(result))", input) }
        guard let type = object["type"] as? String else {
            guard error.code == .missingType else { fail("no string type but \(describe(result))", input) }
            return
        }
        if !ClientMessage.allTypes.contains(type) {
            guard error.code == .unknownType else { fail("unknown type \(type) but \(describe(result))", input) }
        } else {
            guard error.code == .invalidField else { fail("known type \(type) refused with \(describe(result))", input) }
        }

    case .success(let frame):
        guard let object else { fail("accepted something that is not a JSON object: \(describe(result))", input) }
        guard let type = object["type"] as? String, frame.message.type == type,
              ClientMessage.allTypes.contains(type) else {
            fail("accepted as \(frame.message.type) but the type field is \(object["type"] ?? "missing")", input)
        }
        guard frame.id == object["id"] as? String, (object["id"] == nil) == (frame.id == nil) else {
            fail("request id \(frame.id ?? "nil") is not the input's \(object["id"] ?? "missing")", input)
        }
        if let id = frame.id, id.isEmpty || id.count > WireLimits.maxRequestIDLength {
            fail("accepted an invalid request id \(id.debugDescription)", input)
        }
        // Round trip: the same object written back out (keys sorted, no whitespace, escapes
        // normalised) means the same message.
        guard let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            fail("the decoded JSON object cannot be written back out", input)
        }
        let reread = run(Array(canonical))
        guard reread == result else {
            fail("re-encoded as \(String(decoding: canonical, as: UTF8.self).debugDescription) it reads \(describe(reread)), not \(describe(result))", input)
        }
    }
}
