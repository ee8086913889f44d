import InterposeCapture
import InterposeCore
import InterposeProtocols
import NIOCore

/// Feeds a dissector bytes as a conversation would, in chunks of a chosen size, and collects what
/// it says.
struct DissectorHarness {
    var dissector: any Dissector
    var output = DissectorOutput()
    var clock: Int64 = 1_700_000_000_000_000_000

    init(_ dissector: any Dissector) {
        self.dissector = dissector
    }

    /// Sends `text` in `direction`, split into chunks of `chunk` bytes (to prove parsing does not
    /// depend on where reads split the stream).
    mutating func send(_ direction: Direction, _ text: String, chunk: Int = .max) {
        send(direction, Array(text.utf8), chunk: chunk)
    }

    mutating func send(_ direction: Direction, _ bytes: [UInt8], chunk: Int = .max) {
        var offset = 0
        while offset < bytes.count {
            let n = min(chunk, bytes.count - offset)
            clock += 1_000
            dissector.receive(
                ByteBuffer(bytes: bytes[offset..<offset + n]), direction: direction,
                at: Timestamp(nanosecondsSinceEpoch: clock), packet: nil, into: &output)
            offset += n
        }
    }

    mutating func gap(_ direction: Direction, _ size: Int) {
        clock += 1_000
        dissector.gap(
            size, direction: direction, at: Timestamp(nanosecondsSinceEpoch: clock), packet: nil, into: &output)
    }

    mutating func finish(_ direction: Direction) {
        clock += 1_000
        dissector.finish(direction: direction, at: Timestamp(nanosecondsSinceEpoch: clock), packet: nil, into: &output)
    }

    mutating func end(reset: Bool = false) {
        clock += 1_000
        dissector.end(reset: reset, at: Timestamp(nanosecondsSinceEpoch: clock), into: &output)
    }

    var requests: [Message] { output.messages.filter { $0.role == .request } }
    var responses: [Message] { output.messages.filter { $0.role == .response } }
    var events: [Message] { output.messages.filter { $0.role == .event } }
    var codes: [String] { output.findings.map(\.code) }
}
