import NIOCore

/// Counts the length-prefixed messages of one direction of a gRPC stream (1 byte compressed flag,
/// 4 bytes big-endian length, the message) across DATA frames, without keeping any of them.
struct GRPCMessageCounter: Hashable {
    private enum State: Hashable {
        /// Reading the 5-byte prefix; `read` bytes of it seen, the length so far in `length`.
        case prefix(read: Int, length: UInt32)
        /// Skipping a message body.
        case body(remaining: UInt32)
    }

    private var state = State.prefix(read: 0, length: 0)
    /// Messages whose prefix was read.
    private(set) var started = 0
    /// Messages read to their last byte.
    private(set) var completed = 0

    /// Takes the next DATA bytes of the direction.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .prefix(let read, let length):
                // Byte 0 is the compressed flag; bytes 1...4 the length.
                let next = read == 0 ? length : length << 8 | UInt32(bytes[index])
                index += 1
                if read + 1 == 5 {
                    started += 1
                    if next == 0 {
                        completed += 1
                        state = .prefix(read: 0, length: 0)
                    } else {
                        state = .body(remaining: next)
                    }
                } else {
                    state = .prefix(read: read + 1, length: next)
                }
            case .body(let remaining):
                let n = UInt32(min(Int(remaining), bytes.count - index))
                index += Int(n)
                if n == remaining {
                    completed += 1
                    state = .prefix(read: 0, length: 0)
                } else {
                    state = .body(remaining: remaining - n)
                }
            }
        }
    }

    /// Steps over `count` missing bytes when they fall inside one message body.
    /// - Returns: `false` when they do not (a prefix would be lost).
    mutating func skip(_ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard case .body(let remaining) = state, count <= Int(remaining) else { return false }
        if count == Int(remaining) {
            completed += 1
            state = .prefix(read: 0, length: 0)
        } else {
            state = .body(remaining: remaining - UInt32(count))
        }
        return true
    }

    /// When the stream ended in the middle of a message: how many bytes its prefix announced that
    /// never came (or the prefix bytes missing); `nil` when it ended between messages.
    var missingAtEnd: String? {
        switch state {
        case .prefix(0, _): return nil
        case .prefix(let read, _): return "the stream ended after \(read) of a message's 5 prefix bytes"
        case .body(let remaining):
            return "a message's length prefix announces \(remaining) more bytes than the stream carried"
        }
    }
}
