import InterposeCore
import NIOCore

/// Reads a conversation of a protocol Interpose does not dissect: every chunk of bytes is a
/// message (client chunks requests, server chunks events), so counts, sizes and timing still work
/// and replay can send the recorded chunks.
public struct RawDissector: Dissector {
    /// The protocol reported (`raw`, or a dissected protocol read as raw for now).
    public let application: ApplicationProtocol
    private var index = 0

    /// A raw dissector reporting `application`.
    public init(application: ApplicationProtocol = .raw) {
        self.application = application
    }

    public mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let size = bytes.readableBytes
        output.emit(
            Message(
                index: index, role: .event, application: application, direction: direction, start: timestamp,
                end: timestamp, packet: packet, name: "data", summary: "\(size) bytes \(direction)", bytes: Int64(size))
        )
        index += 1
    }

    public mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {}

    public mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {}

    public mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput) {}
}
