import InterposeCore
import NIOCore

/// Reads one direction of a TLS connection at the record layer (RFC 8446 §5.1) without decrypting:
/// plaintext records are read whole and their handshake messages reassembled; application data
/// and everything after the direction's ChangeCipherSpec is counted and skipped, never kept.
///
/// Memory per direction is bounded by one record (2^14 + 2048 bytes) plus one handshake message
/// (`handshakeLimit`); a larger handshake message is skipped by counting.
struct TLSRecordReader {
    /// What a read found, in order.
    enum Event {
        /// A complete handshake message: its type and body (without the 4-byte header).
        case handshake(type: UInt8, body: [UInt8], start: Timestamp, bytes: Int)
        /// A handshake message too large to keep; it is skipped.
        case oversizedHandshake(type: UInt8, length: Int)
        /// A plaintext alert.
        case alert(level: UInt8, description: UInt8)
        /// ChangeCipherSpec: from here on this direction is encrypted.
        case changeCipherSpec
    }

    enum Failure: Error {
        case malformed(String)
    }

    /// The largest record TLS allows: 2^14 bytes of plaintext plus 2048 of expansion (RFC 5246 §6.2.3).
    static let recordLimit = 16_384 + 2_048
    /// The largest handshake message kept for reading (certificate chains are usually 2-8 KiB).
    static let handshakeLimit = 64 * 1_024

    var cursor = StreamCursor()
    /// Whether the direction stopped being read (malformed records, a gap).
    var stopped = false
    /// Whether records are encrypted from here on (after this direction's ChangeCipherSpec).
    private(set) var encrypted = false
    /// Whether a ChangeCipherSpec starts encryption: true up to TLS 1.2. TLS 1.3 sends one only for
    /// middlebox compatibility (RFC 8446 §D.4), possibly before a second ClientHello, and encrypts
    /// everything as application data records instead.
    var changeCipherSpecEncrypts = true
    /// Bytes of records skipped unread (application data, encrypted handshake), headers included.
    private(set) var opaqueBytes: Int64 = 0
    /// Records skipped unread.
    private(set) var opaqueRecords = 0
    /// When the first and the last skipped record were seen.
    private(set) var opaqueStart: Timestamp?
    private(set) var opaqueEnd: Timestamp?
    /// Body bytes of the current skipped record still to come.
    private var skipping = 0
    private var handshake: [UInt8] = []
    private var handshakeStart: Timestamp?
    private var handshakeSkip = 0

    /// Whether the direction ended in the middle of a record or a handshake message.
    var isInsideMessage: Bool { skipping > 0 || cursor.keptBytes > 0 || !handshake.isEmpty || handshakeSkip > 0 }

    /// Reads what it can of `bytes`, appending what it found to `events`.
    mutating func read(_ bytes: ByteBuffer, at timestamp: Timestamp, into events: inout [Event]) throws(Failure) {
        var work = cursor.begin(with: bytes)
        while work.readableBytes > 0 {
            if skipping > 0 {
                let n = min(skipping, work.readableBytes)
                work.moveReaderIndex(forwardBy: n)
                skipping -= n
                opaqueBytes += Int64(n)
                opaqueEnd = timestamp
                continue
            }
            guard work.readableBytes >= 5, let type = work.getInteger(at: work.readerIndex, as: UInt8.self),
                let major = work.getInteger(at: work.readerIndex + 1, as: UInt8.self),
                let minor = work.getInteger(at: work.readerIndex + 2, as: UInt8.self),
                let length16 = work.getInteger(at: work.readerIndex + 3, as: UInt16.self)
            else { break }
            let length = Int(length16)
            guard let contentType = TLSContentType(rawValue: type) else {
                throw .malformed("content type \(type) is not a TLS record type (20-23)")
            }
            guard major == 3 else {
                throw .malformed("record version \(TLSNames.hex(Int(major) << 8 | Int(minor))) is not TLS")
            }
            guard length <= TLSRecordReader.recordLimit else {
                throw .malformed("record length \(length) exceeds the TLS limit of \(TLSRecordReader.recordLimit)")
            }
            if contentType == .applicationData || encrypted {
                work.moveReaderIndex(forwardBy: 5)
                skipping = length
                opaqueRecords += 1
                opaqueBytes += 5
                if opaqueStart == nil { opaqueStart = timestamp }
                opaqueEnd = timestamp
                continue
            }
            guard work.readableBytes >= 5 + length else { break }
            work.moveReaderIndex(forwardBy: 5)
            let body = work.readBytes(length: length) ?? []
            switch contentType {
            case .changeCipherSpec:
                events.append(.changeCipherSpec)
                if changeCipherSpecEncrypts { encrypted = true }
            case .alert:
                var index = 0
                while index + 1 < body.count {
                    events.append(.alert(level: body[index], description: body[index + 1]))
                    index += 2
                }
            case .handshake, .applicationData:
                readHandshake(body, at: timestamp, into: &events)
            }
        }
        cursor.keep(work)
    }

    /// Skips `size` missing bytes when they fall inside a skipped record; returns whether it could.
    mutating func skipGap(_ size: Int) -> Bool {
        guard skipping > 0, size <= skipping, cursor.keptBytes == 0 else { return false }
        skipping -= size
        opaqueBytes += Int64(size)
        return true
    }

    private mutating func readHandshake(_ body: [UInt8], at timestamp: Timestamp, into events: inout [Event]) {
        if handshake.isEmpty { handshakeStart = timestamp }
        handshake += body
        while true {
            if handshakeSkip > 0 {
                let n = min(handshakeSkip, handshake.count)
                handshake.removeFirst(n)
                handshakeSkip -= n
                if handshakeSkip > 0 { return }
            }
            guard handshake.count >= 4 else { return }
            let type = handshake[0]
            let length = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
            if length > TLSRecordReader.handshakeLimit {
                events.append(.oversizedHandshake(type: type, length: length))
                handshakeSkip = 4 + length
                continue
            }
            guard handshake.count >= 4 + length else { return }
            if type == 2, let hello = TLSHello(serverHello: Array(handshake[4..<4 + length])),
                hello.isRetryRequest || hello.version >= 0x0304
            {
                changeCipherSpecEncrypts = false
            }
            events.append(
                .handshake(
                    type: type, body: Array(handshake[4..<4 + length]), start: handshakeStart ?? timestamp,
                    bytes: 4 + length))
            handshake.removeFirst(4 + length)
            handshakeStart = timestamp
        }
    }
}
