import Foundation

/// Where a container writer puts its bytes: a file or memory. Supports patching
/// an earlier offset (IVF frame count). Not `Sendable` (mutable, owns a file handle).
final class ByteSink {
    private enum Storage {
        case memory
        case file(FileHandle)
    }

    private var storage: Storage
    private(set) var bytes: [UInt8] = []
    private(set) var count: UInt64 = 0
    private var closed = false

    init() { storage = .memory }

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        storage = .file(try FileHandle(forWritingTo: URL(fileURLWithPath: path)))
    }

    deinit {
        if case .file(let handle) = storage, !closed { try? handle.close() }
    }

    func write(_ data: [UInt8]) throws {
        precondition(!closed, "write after close")
        switch storage {
        case .memory: bytes.append(contentsOf: data)
        case .file(let handle): try handle.write(contentsOf: Data(data))
        }
        count += UInt64(data.count)
    }

    /// Overwrites bytes at `offset` (which must already have been written).
    func patch(at offset: UInt64, with data: [UInt8]) throws {
        precondition(!closed, "patch after close")
        precondition(offset + UInt64(data.count) <= count, "patch beyond end")
        switch storage {
        case .memory:
            let start = Int(offset)
            bytes.replaceSubrange(start..<start + data.count, with: data)
        case .file(let handle):
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: Data(data))
            try handle.seekToEnd()
        }
    }

    func close() throws {
        guard !closed else { return }
        closed = true
        if case .file(let handle) = storage {
            try handle.synchronize()
            try handle.close()
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
