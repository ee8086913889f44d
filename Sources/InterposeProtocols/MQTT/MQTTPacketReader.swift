import InterposeCore
import NIOCore

/// Splits one direction of an MQTT connection into control packets: the fixed header (type,
/// flags, remaining length) and the first `prefixLimit` bytes after it (variable header, topic
/// names, the client identifier); the rest of a payload is counted and skipped, never kept.
///
/// The one MQTT packet parser: the dissector reads a live direction with it, and `MQTTContent`
/// reads a recorded message's bytes with it (`packets(in:)`).
struct MQTTPacketReader {
    /// One control packet.
    struct Packet {
        /// The packet type (high nibble of the first byte).
        var type: MQTTPacketType
        /// The flags (low nibble of the first byte).
        var flags: UInt8
        /// The remaining length: variable header and payload.
        var length: Int
        /// The first bytes after the fixed header, at most `prefixLimit`.
        var prefix: [UInt8]
        /// Bytes on the wire so far, fixed header included.
        var bytes: Int64
        /// When its first byte was seen.
        var start: Timestamp
    }

    enum Failure: Error {
        case malformed(String)
    }

    /// What the bytes at the start of a packet say.
    private enum FixedHeader {
        /// More bytes are needed to know the remaining length.
        case incomplete
        /// A packet of `length` bytes after a fixed header of `headerLength` bytes starting with `first`.
        case complete(first: UInt8, length: Int, headerLength: Int)
    }

    /// How many bytes after the fixed header the dissector keeps for reading.
    static let prefixLimit = 2_048

    /// How many bytes after the fixed header are kept for reading.
    let prefixLimit: Int
    var cursor = StreamCursor()
    /// Whether the direction stopped being read (malformed packets, a gap).
    var stopped = false
    /// The packet whose payload is being skipped.
    private(set) var current: Packet?
    private var skipping = 0
    private var pendingStart: Timestamp?

    /// A reader at the start of a direction, keeping `prefixLimit` bytes of each packet.
    init(prefixLimit: Int = MQTTPacketReader.prefixLimit) {
        self.prefixLimit = prefixLimit
    }

    /// Whether the direction ended in the middle of a packet.
    var isInsideMessage: Bool { current != nil || cursor.keptBytes > 0 }

    /// The packets in bytes already in memory (a recorded message), each kept whole; a last packet
    /// cut short is kept with the bytes there are. `nil` when the bytes are not MQTT packets: a
    /// malformed packet, a fixed header cut short, or no bytes.
    static func packets(in bytes: [UInt8]) -> [Packet]? {
        var reader = MQTTPacketReader(prefixLimit: .max)
        var packets: [Packet] = []
        let start = Timestamp(nanosecondsSinceEpoch: 0)
        do {
            try reader.read(ByteBuffer(bytes: bytes), at: start, into: &packets)
        } catch {
            return nil
        }
        if reader.isInsideMessage {
            var rest = reader.cursor.begin(with: ByteBuffer())
            guard case .complete(let first, let length, let headerLength) = try? header(in: rest),
                let type = try? packetType(first)
            else { return nil }
            rest.moveReaderIndex(forwardBy: headerLength)
            let body = rest.readBytes(length: rest.readableBytes) ?? []
            packets.append(
                Packet(
                    type: type, flags: first & 0x0F, length: length, prefix: body,
                    bytes: Int64(headerLength + body.count), start: start))
        }
        return packets.isEmpty ? nil : packets
    }

    /// Reads what it can of `bytes`, appending complete packets to `packets`.
    mutating func read(_ bytes: ByteBuffer, at timestamp: Timestamp, into packets: inout [Packet]) throws(Failure) {
        var work = cursor.begin(with: bytes)
        defer { cursor.keep(work) }
        while work.readableBytes > 0 {
            if skipping > 0 {
                let n = min(skipping, work.readableBytes)
                work.moveReaderIndex(forwardBy: n)
                skip(n, into: &packets)
                continue
            }
            let header: FixedHeader
            do {
                header = try MQTTPacketReader.header(in: work)
            } catch {
                work.moveReaderIndex(to: work.writerIndex)
                throw error
            }
            guard case .complete(let first, let length, let headerLength) = header,
                work.readableBytes >= headerLength + min(length, prefixLimit)
            else {
                if pendingStart == nil { pendingStart = timestamp }
                break
            }
            let kept = min(length, prefixLimit)
            let type: MQTTPacketType
            do {
                type = try MQTTPacketReader.packetType(first)
            } catch {
                work.moveReaderIndex(to: work.writerIndex)
                throw error
            }
            work.moveReaderIndex(forwardBy: headerLength)
            let packet = Packet(
                type: type, flags: first & 0x0F, length: length, prefix: work.readBytes(length: kept) ?? [],
                bytes: Int64(headerLength + kept), start: pendingStart ?? timestamp)
            pendingStart = nil
            if length > kept {
                current = packet
                skipping = length - kept
            } else {
                packets.append(packet)
            }
        }
    }

    /// Skips `size` missing bytes when they fall inside a payload being skipped; returns whether it could.
    mutating func skipGap(_ size: Int, into packets: inout [Packet]) -> Bool {
        guard skipping > 0, size <= skipping, cursor.keptBytes == 0 else { return false }
        skip(size, into: &packets)
        return true
    }

    private mutating func skip(_ count: Int, into packets: inout [Packet]) {
        skipping -= count
        current?.bytes += Int64(count)
        if skipping == 0, let packet = current {
            packets.append(packet)
            current = nil
        }
    }

    /// The fixed header at the reader index of `buffer`: type and flags, then the remaining length in
    /// one to four bytes of seven bits each.
    private static func header(in buffer: ByteBuffer) throws(Failure) -> FixedHeader {
        let base = buffer.readerIndex
        guard let first = buffer.getInteger(at: base, as: UInt8.self) else { return .incomplete }
        var length = 0
        var headerLength = 1
        var complete = false
        while headerLength < 5, let byte = buffer.getInteger(at: base + headerLength, as: UInt8.self) {
            length |= Int(byte & 0x7F) << (7 * (headerLength - 1))
            headerLength += 1
            if byte & 0x80 == 0 {
                complete = true
                break
            }
        }
        if !complete && headerLength == 5 {
            throw .malformed(
                "the remaining length of a \(MQTTPacketType.name(ofFirstByte: first)) is longer than 4 bytes")
        }
        return complete ? .complete(first: first, length: length, headerLength: headerLength) : .incomplete
    }

    /// The type of a packet whose first byte is `first`, checked: type 0 is reserved and a PUBLISH
    /// cannot have QoS 3.
    private static func packetType(_ first: UInt8) throws(Failure) -> MQTTPacketType {
        guard let type = MQTTPacketType(firstByte: first) else { throw .malformed("packet type 0 is reserved") }
        if type == .publish, first & 0x06 == 0x06 { throw .malformed("a PUBLISH with QoS 3") }
        return type
    }
}
