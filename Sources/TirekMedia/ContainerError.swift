/// Errors from the container writers (`IVFWriter`, `OggOpusWriter`) other than
/// file I/O errors, which Foundation reports as they are.
public enum ContainerError: Error, Equatable, Sendable {
    /// The writer was already finished.
    case finished
    /// The payload cannot go into this container (e.g. not an Opus packet, too large).
    case invalidPayload(String)
}
