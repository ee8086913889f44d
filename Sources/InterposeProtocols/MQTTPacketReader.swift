import InterposeCore
import NIOCore

/// Splits one direction of an MQTT connection into control packets: the fixed header (type,
/// flags, remaining length) and the first `prefixLimit` bytes after it (variable header, topic
/// names, the client identifier); the rest of a payload is counted and skipped, never kept.
struct MQTTPacketReader {
    /// One control packet.
    struct Packet {
        /// The packet type (high nibble of the first byte).
        var type: UInt8
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

    /// How many bytes after the fixed header are kept for reading.
    static let prefixLimit = 2_048

    var cursor = StreamCursor()
    /// Whether the direction stopped being read (malformed packets, a gap).
    var stopped = false
    /// The packet whose payload is being skipped.
    private(set) var current: Packet?
    private var skipping = 0
    private var pendingStart: Timestamp?

    /// Whether the direction ended in the middle of a packet.
    var isInsideMessage: Bool { current != nil || cursor.keptBytes > 0 }

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
            let base = work.readerIndex
            guard let first = work.getInteger(at: base, as: UInt8.self) else { break }
            var length = 0
            var headerLength = 1
            var complete = false
            while headerLength < 5, let byte = work.getInteger(at: base + headerLength, as: UInt8.self) {
                length |= Int(byte & 0x7F) << (7 * (headerLength - 1))
                headerLength += 1
                if byte & 0x80 == 0 {
                    complete = true
                    break
                }
            }
            if !complete && headerLength == 5 {
                work.moveReaderIndex(to: work.writerIndex)
                throw .malformed("the remaining length of a \(MQTTNames.packet(first >> 4)) is longer than 4 bytes")
            }
            let kept = min(length, MQTTPacketReader.prefixLimit)
            guard complete, work.readableBytes >= headerLength + kept else {
                if pendingStart == nil { pendingStart = timestamp }
                break
            }
            guard first >> 4 != 0 else {
                work.moveReaderIndex(to: work.writerIndex)
                throw .malformed("packet type 0 is reserved")
            }
            if first >> 4 == 3, first & 0x06 == 0x06 {
                work.moveReaderIndex(to: work.writerIndex)
                throw .malformed("a PUBLISH with QoS 3")
            }
            work.moveReaderIndex(forwardBy: headerLength)
            let packet = Packet(
                type: first >> 4, flags: first & 0x0F, length: length, prefix: work.readBytes(length: kept) ?? [],
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
}
