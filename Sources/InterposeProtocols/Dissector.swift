import InterposeCore
import NIOCore

/// Reads one conversation of one protocol, both directions, incrementally: bytes in, messages and
/// findings out.
///
/// A dissector is a value type with no I/O (the style of Hummingbird's state machines), so the
/// live proxy, the offline reader and replay drive the same code. Rules every dissector keeps:
/// - Memory stays bounded whatever the peers send: bodies are counted, not kept; a header or line
///   longer than the protocol's sane limit is a `*.malformed` finding, and the direction then
///   stops being dissected (its bytes are still counted).
/// - A length field is never trusted to allocate: it only says how many bytes to skip.
/// - After a gap in a direction, that direction cannot be read in step any more: the dissector
///   says so once (a finding) and stops reading it, unless the protocol lets it find its footing.
public protocol Dissector {
    /// The protocol it reads.
    var application: ApplicationProtocol { get }

    /// Bytes of one direction, in order, with nothing missing before them.
    mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput)

    /// `size` bytes of `direction` were never seen.
    mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput)

    /// The sender of `direction` half-closed: a close-delimited body ends here.
    mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput)

    /// The connection ended (`reset` when by RST): report what was left unfinished.
    mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput)
}
