import InterposeCore
import NIOCore

/// Frames one direction of a PostgreSQL conversation into messages as the bytes stream by:
/// `type byte + Int32 length (counting itself) + body`, the untyped startup-phase messages
/// (`Int32 length + body`), and the one-byte answer to an SSLRequest or GSSENCRequest.
///
/// A length only says how many bytes to count: bodies are skipped in place, and only their first
/// `prefixLimit` bytes are kept (enough for a query excerpt, error fields or a parameter), so memory
/// stays bounded whatever the peer declares.
///
/// The one PostgreSQL message framer: the dissector reads a live direction with it, and
/// `PostgresContent` reads a recorded message's bytes with it (`messages(in:)`).
struct PostgresMessageReader {
    /// How the next message is framed.
    enum Framing {
        /// The startup phase: `Int32 length + Int32 code + ...`, no type byte.
        case untyped
        /// The normal phase: `type byte + Int32 length + body`.
        case typed
        /// One byte, the server's answer to an SSLRequest or GSSENCRequest.
        case singleByte
    }

    /// A message read, with the start of its body.
    struct RawMessage {
        /// The type byte; 0 for an untyped startup-phase message.
        var type: UInt8
        /// Body length declared (the length field minus its own four bytes).
        var length: Int
        /// The first `prefixLimit` bytes of the body (fewer when a gap fell in them).
        var body: [UInt8] = []
        /// Whether `body` holds every byte of the body's start (no gap fell in it).
        var bodyIntact = true
        /// When it began.
        var start: Timestamp
        /// Bytes on the wire, header included.
        var bytes: Int64
    }

    /// What a gap did.
    enum GapOutcome {
        /// The gap fell outside a body: the stream cannot be followed any more.
        case unreadable
        /// The gap fell inside a body and was counted.
        case skipped
        /// The gap held the last bytes of a body: the message is complete.
        case completed(RawMessage)
    }

    /// The message was not framed as the protocol requires.
    enum Failure: Error {
        case malformed(String)
    }

    /// Body bytes the dissector keeps of each message.
    static let prefixLimit = 512
    /// Longest message accepted (PostgreSQL itself refuses 1 GiB and more).
    static let lengthLimit = 1 << 30

    /// Body bytes kept of each message.
    let prefixLimit: Int
    /// How the next message is framed; the dissector changes it as the conversation goes on.
    var framing: Framing
    /// The unfinished header kept from an earlier frame (at most four bytes).
    var cursor = StreamCursor()
    private var current: RawMessage?
    private var remaining = 0

    /// A reader at the start of a direction framed as `framing`, keeping `prefixLimit` bytes of
    /// each body.
    init(framing: Framing, prefixLimit: Int = PostgresMessageReader.prefixLimit) {
        self.framing = framing
        self.prefixLimit = prefixLimit
    }

    /// The typed messages in bytes already in memory (a recorded message), bodies kept whole; a last
    /// message cut short is kept with the bytes there are. `nil` when the bytes are not typed
    /// messages: a type byte that is not a printable letter or digit, an impossible length, a header
    /// cut short, or no bytes.
    static func messages(in bytes: [UInt8]) -> [RawMessage]? {
        var reader = PostgresMessageReader(framing: .typed, prefixLimit: .max)
        var work = ByteBuffer(bytes: bytes)
        var messages: [RawMessage] = []
        let start = Timestamp(nanosecondsSinceEpoch: 0)
        do {
            while let message = try reader.next(&work, at: start) { messages.append(message) }
        } catch {
            return nil
        }
        if let partial = reader.current { messages.append(partial) }
        guard work.readableBytes == 0, !messages.isEmpty,
            messages.allSatisfy({ $0.type >= 0x20 && $0.type < 0x7F })
        else { return nil }
        return messages
    }

    /// Whether part of a message has been read.
    var isInsideMessage: Bool { current != nil || cursor.keptBytes > 0 }

    /// Bytes read of the unfinished message.
    var partialBytes: Int64 { current?.bytes ?? Int64(cursor.keptBytes) }

    /// The type of the unfinished message, if its header was read.
    var partialType: UInt8? { current?.type }

    /// Counts `size` missing bytes when they fall inside a body.
    mutating func skipGap(_ size: Int) -> GapOutcome {
        guard var message = current, cursor.keptBytes == 0, size <= remaining else { return .unreadable }
        remaining -= size
        message.bytes += Int64(size)
        if message.body.count < prefixLimit { message.bodyIntact = false }
        if remaining == 0 {
            current = nil
            return .completed(message)
        }
        current = message
        return .skipped
    }

    /// Reads the next complete message from `work`, or returns `nil` when `work` ends first (what
    /// is left of it, less than a header, is for the caller to keep).
    mutating func next(_ work: inout ByteBuffer, at timestamp: Timestamp) throws(Failure) -> RawMessage? {
        if var message = current {
            let n = min(work.readableBytes, remaining)
            let room = prefixLimit - message.body.count
            if room > 0, message.bodyIntact, let bytes = work.getBytes(at: work.readerIndex, length: min(room, n)) {
                message.body += bytes
            }
            work.moveReaderIndex(forwardBy: n)
            remaining -= n
            message.bytes += Int64(n)
            if remaining > 0 {
                current = message
                return nil
            }
            current = nil
            return message
        }
        if framing == .untyped, let first = work.getInteger(at: work.readerIndex, as: UInt8.self), first != 0 {
            // A startup-phase length is below 10,000, so its first byte is 0: a letter here means the
            // capture began after the startup, in the middle of a typed conversation.
            framing = .typed
        }
        switch framing {
        case .singleByte:
            guard let byte = work.readInteger(as: UInt8.self) else { return nil }
            return RawMessage(type: byte, length: 0, start: timestamp, bytes: 1)
        case .typed, .untyped:
            let header = framing == .typed ? 5 : 4
            guard work.readableBytes >= header else { return nil }
            let type = framing == .typed ? work.readInteger(as: UInt8.self) ?? 0 : 0
            let length = Int(work.readInteger(as: Int32.self) ?? 0)
            let what =
                framing == .typed ? "message '\(PostgresMessageReader.printable(type))'" : "startup-phase message"
            guard length >= (framing == .typed ? 4 : 8) else {
                throw .malformed("\(what) declares length \(length), below its own header")
            }
            guard length <= PostgresMessageReader.lengthLimit else {
                throw .malformed("\(what) declares length \(length), above the 1 GiB limit")
            }
            current = RawMessage(type: type, length: length - 4, start: timestamp, bytes: Int64(header))
            remaining = length - 4
            return try next(&work, at: timestamp)
        }
    }

    /// A type byte as a character when printable, else as `0xNN`.
    static func printable(_ type: UInt8) -> String {
        if type >= 0x20 && type < 0x7F { return String(UnicodeScalar(type)) }
        let digits = String(type, radix: 16, uppercase: true)
        return "0x" + (digits.count < 2 ? "0" + digits : digits)
    }
}
