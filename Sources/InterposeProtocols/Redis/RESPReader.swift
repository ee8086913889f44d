import InterposeCore
import NIOCore

/// Reads RESP2 and RESP3 values from one direction of a Redis conversation as they stream by,
/// keeping only what the dissector needs: the value's type, its first few leaves (command name,
/// key, pub/sub kind), its element count and size. Bulk strings are skipped, never buffered.
///
/// The one RESP parser: with `buildsValues` it also builds each whole value (`Value.whole`), which
/// is how `RedisContent` reads recorded replies and commands (`values(in:)`).
struct RESPReader {
    /// A complete top-level value.
    struct Value {
        /// The RESP type byte of the top-level value (`*`, `$`, `+`, `-`, `:`, `>`, `%`...).
        var type: UInt8 = 0
        /// Whether the top-level value is a null (`$-1`, `*-1`, `_`).
        var isNull = false
        /// The first leaves (strings, numbers) in order, each cut to `leafLimit` bytes.
        var leaves = RESPLeaves()
        /// Elements of the top-level aggregate (0 for a leaf).
        var count = 0
        /// Bytes on the wire.
        var bytes: Int64 = 0
        /// When its first byte was seen.
        var start = Timestamp(nanosecondsSinceEpoch: 0)
        /// Whether it was an inline command (a plain line, not an array).
        var isInline = false
        /// The whole value, when the reader builds values.
        var whole: RESPValue?
    }

    enum Failure: Error {
        case malformed(String)
    }

    static let lineLimit = 64 * 1024
    static let leafLimit = 64
    static let leavesKept = RESPLeaves.capacity
    static let bulkLimit: Int64 = 512 * 1024 * 1024
    static let depthLimit = 64

    private enum State {
        case line
        case bulk(remaining: Int64, capture: Bool)
    }

    private struct Open {
        var remaining: Int
        var isAttribute: Bool
    }

    /// Whether a client direction (inline commands are allowed at the top level).
    let acceptsInline: Bool
    private var state = State.line
    private var stack: [Open] = []
    private var current: Value?
    private var captured: [UInt8] = []
    var cursor = StreamCursor()
    /// Whole values being built; `nil` in the dissector, which keeps only leaves.
    private var builder: RESPValueBuilder?
    /// The type and the bytes so far of the bulk string being read, when building values.
    private var bulkType = RESPType.bulkString
    private var bulkBytes: [UInt8] = []

    /// A reader at the start of a direction.
    /// - Parameters:
    ///   - acceptsInline: whether inline commands are allowed (a client direction).
    ///   - buildsValues: whether to build each whole value, bulk strings kept (bytes in memory only).
    init(acceptsInline: Bool, buildsValues: Bool = false) {
        self.acceptsInline = acceptsInline
        self.builder = buildsValues ? RESPValueBuilder() : nil
    }

    /// The complete values in bytes already in memory (a recorded reply or command), whole; `nil`
    /// when the first value is malformed or cut short (later values that are stop the list there).
    static func values(in bytes: [UInt8]) -> [RESPValue]? {
        var reader = RESPReader(acceptsInline: false, buildsValues: true)
        var work = ByteBuffer(bytes: bytes)
        var values: [RESPValue] = []
        let start = Timestamp(nanosecondsSinceEpoch: 0)
        while work.readableBytes > 0 {
            guard let value = try? reader.read(&work, at: start), let whole = value.whole else { break }
            values.append(whole)
        }
        return values.isEmpty ? nil : values
    }

    /// Whether part of a value has been read.
    var isInsideValue: Bool { current != nil || cursor.keptBytes > 0 }

    /// The value being read, if any (for reports when the connection ends in the middle of it).
    var partial: Value? { current }

    /// Skips `size` missing bytes when they fall inside a bulk string; returns whether it could.
    mutating func skipGap(_ size: Int) -> Bool {
        guard case .bulk(let remaining, _) = state, Int64(size) < remaining - 1, cursor.keptBytes == 0 else {
            return false
        }
        state = .bulk(remaining: remaining - Int64(size), capture: false)
        current?.bytes += Int64(size)
        return true
    }

    /// Reads from `work` up to the end of the next complete top-level value and returns it; `nil`
    /// when `work` is used up first (the rest of the value comes with the next bytes). Pulled one
    /// at a time, so values are handed over without being collected and copied.
    mutating func read(
        _ work: inout ByteBuffer, at timestamp: Timestamp
    ) throws(Failure) -> Value? {
        while work.readableBytes > 0 {
            switch state {
            case .bulk(let remaining, let capture):
                let n = Int(min(Int64(work.readableBytes), remaining))
                if builder != nil {
                    let want = min(n, max(0, Int(remaining) - 2))
                    bulkBytes += work.getBytes(at: work.readerIndex, length: want) ?? []
                    if Int64(n) == remaining {
                        builder!.bulk(bulkType, bulkBytes)
                        bulkBytes = []
                    }
                }
                if capture, captured.isEmpty, Int64(n) == remaining {
                    // The whole string is here (the usual case): one String, no copy in between.
                    let take = min(Int(remaining) - 2, RESPReader.leafLimit)
                    let leaf = work.withUnsafeReadableBytes { String(decoding: $0.prefix(take), as: UTF8.self) }
                    work.moveReaderIndex(forwardBy: n)
                    current?.bytes += Int64(n)
                    state = .line
                    addLeaf(leaf)
                    if let value = leafDone() { return value }
                    continue
                }
                if capture, remaining > 2 {
                    let want = min(n, RESPReader.leafLimit - captured.count, Int(remaining - 2))
                    if want > 0, let bytes = work.getBytes(at: work.readerIndex, length: want) {
                        captured += bytes
                    }
                }
                work.moveReaderIndex(forwardBy: n)
                current?.bytes += Int64(n)
                if Int64(n) == remaining {
                    state = .line
                    if capture { addLeaf(String(decoding: captured, as: UTF8.self)) }
                    captured.removeAll(keepingCapacity: true)
                    if let value = leafDone() { return value }
                } else {
                    state = .bulk(remaining: remaining - Int64(n), capture: capture)
                }
            case .line:
                guard let length = work.lineLength(limit: RESPReader.lineLimit) else {
                    if work.readableBytes >= RESPReader.lineLimit {
                        throw .malformed("a line longer than \(RESPReader.lineLimit) bytes")
                    }
                    return nil
                }
                if current == nil {
                    current = Value(start: timestamp)
                }
                current!.bytes += Int64(length)
                // Fast path for the lines of every command and most replies, `$N` and `*N`: the
                // number is read in place, no String made.
                if let type = work.getInteger(at: work.readerIndex, as: UInt8.self),
                    type == RESPType.bulkString.rawValue || type == RESPType.array.rawValue,
                    let number = RESPReader.integer(in: work, from: 1, lineLength: length)
                {
                    work.moveReaderIndex(forwardBy: length)
                    if let value = try takeLength(type: type, number, line: nil) { return value }
                    continue
                }
                let line = work.readLine(length: length)
                if let value = try take(line) { return value }
            }
        }
        return nil
    }

    private mutating func take(_ line: String) throws(Failure) -> Value? {
        guard let type = line.utf8.first else {
            if stack.isEmpty && acceptsInline {
                current = nil  // an empty inline line is ignored, as Redis does
                return nil
            }
            throw .malformed("an empty line where a RESP value was expected")
        }
        let rest = line.dropFirst()
        if stack.isEmpty && current!.type == 0 { current!.type = type }
        switch RESPType(rawValue: type) {
        case .simpleString, .simpleError, .integer, .double, .boolean, .bigNumber:
            if type == RESPType.integer.rawValue || type == RESPType.bigNumber.rawValue
                || type == RESPType.double.rawValue
            {
                guard !rest.isEmpty, rest.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
                    throw .malformed("'\(RESPReader.excerpt(line))' is not a number")
                }
            }
            addLeaf(String(rest))
            builder?.line(RESPType(rawValue: type)!, rest)
            return leafDone()
        case .null:
            if stack.isEmpty { current!.isNull = true }
            addLeaf("")
            builder?.leaf(.null)
            return leafDone()
        case .bulkString, .bulkError, .verbatimString, .array, .set, .push, .map, .attribute:
            return try takeLength(type: type, Int(rest), line: line)
        case nil:
            if stack.isEmpty && acceptsInline {
                current!.isInline = true
                current!.type = RESPType.array.rawValue
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                current!.count = words.count
                for word in words.prefix(RESPReader.leavesKept) { addLeaf(String(word)) }
                return leafDone()
            }
            throw .malformed("'\(RESPReader.excerpt(line))' does not start with a RESP type byte")
        }
    }

    /// A line announcing a length: a bulk string (`$`, `!`, `=`) or an aggregate (`*`, `~`, `>`,
    /// `%`, `|`). `line` is only for the error message (`nil` on the fast path).
    private mutating func takeLength(type: UInt8, _ number: Int?, line: String?) throws(Failure) -> Value? {
        if stack.isEmpty && current!.type == 0 { current!.type = type }
        func text() -> String {
            line.map { RESPReader.excerpt($0) } ?? "\(Character(UnicodeScalar(type)))\(number.map(String.init) ?? "?")"
        }
        switch RESPType(rawValue: type) {
        case .bulkString, .bulkError, .verbatimString:
            guard let length = number.map(Int64.init), length >= -1 else {
                throw .malformed("bulk length '\(text())' is not a number")
            }
            guard length <= RESPReader.bulkLimit else {
                throw .malformed("bulk length \(length) exceeds Redis's 512 MB limit")
            }
            if length == -1 {
                if stack.isEmpty { current!.isNull = true }
                addLeaf("")
                builder?.leaf(.null)
                return leafDone()
            }
            bulkType = RESPType(rawValue: type) ?? .bulkString
            state = .bulk(remaining: length + 2, capture: current!.leaves.count < RESPReader.leavesKept)
            return nil
        default:
            guard let declared = number, declared >= -1, declared <= Int(Int32.max) else {
                throw .malformed("aggregate length '\(text())' is not a number")
            }
            let isPairs = type == RESPType.map.rawValue || type == RESPType.attribute.rawValue
            let count = declared == -1 ? -1 : (isPairs ? declared * 2 : declared)
            if stack.isEmpty && type != RESPType.attribute.rawValue { current!.count = max(declared, 0) }
            builder?.aggregate(RESPType(rawValue: type) ?? .array, count: declared)
            if count <= 0 {
                if count == -1 && stack.isEmpty { current!.isNull = true }
                return leafDone()
            }
            guard stack.count < RESPReader.depthLimit else {
                throw .malformed("values nested deeper than \(RESPReader.depthLimit)")
            }
            stack.append(Open(remaining: count, isAttribute: type == RESPType.attribute.rawValue))
            if stack.count == 1 && type == RESPType.attribute.rawValue { current!.type = 0 }
            return nil
        }
    }

    /// The decimal integer between offset `from` and the line's `\r\n` (or `\n`), read in place;
    /// `nil` when it is not one (then the slow path reports it).
    static func integer(in buffer: ByteBuffer, from: Int, lineLength: Int) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            var end = lineLength - 1
            if end > 0, bytes[end - 1] == 0x0D { end -= 1 }
            var index = from
            var negative = false
            if index < end, bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            guard index < end, end - index <= 18 else { return nil }
            var value = 0
            while index < end {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
                index += 1
            }
            return negative ? -value : value
        }
    }

    private mutating func addLeaf(_ text: String) {
        guard current!.leaves.count < RESPReader.leavesKept else { return }
        // utf8.count, not count: counting Characters walks the whole string.
        current!.leaves.append(
            text.utf8.count > RESPReader.leafLimit ? String(text.prefix(RESPReader.leafLimit)) : text)
    }

    /// A leaf (or an empty aggregate) ended: closes the aggregates it completes; returns the value
    /// when it was the last piece of a top-level value.
    private mutating func leafDone() -> Value? {
        var closedAttribute = false
        while let last = stack.last {
            stack[stack.count - 1].remaining -= 1
            if stack[stack.count - 1].remaining > 0 { return nil }
            stack.removeLast()
            builder?.close()
            if last.isAttribute {
                closedAttribute = true
                break
            }
        }
        if closedAttribute {
            // An attribute annotates the value after it and is not an element itself.
            return nil
        }
        guard stack.isEmpty else { return nil }
        var value = current
        current = nil
        value?.whole = builder?.takeRoot()
        return value
    }

    static func excerpt(_ text: String) -> String {
        // Most texts are short printable ASCII: returned as they are, without a copy.
        if text.utf8.count <= 60, text.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) { return text }
        let clean = text.unicodeScalars.map { $0.value >= 32 && $0.value < 127 ? Character($0) : "." }
        return clean.count > 60 ? String(clean.prefix(60)) + "..." : String(clean)
    }
}
