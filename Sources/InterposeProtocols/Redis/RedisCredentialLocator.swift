import InterposeCore

/// Finds the arguments of a Redis `AUTH` command and the username and password after `AUTH` in a
/// `HELLO`, in what the client sends (see `CredentialLocator`).
///
/// It reads commands as RESP arrays of bulk strings (what every client library and `redis-cli`
/// send) and inline commands (`AUTH secret` typed into telnet). It keeps the first 8 bytes of each
/// argument at most. Anything else from a client (a nested array, a malformed header) stops it: the
/// rest of the conversation is recorded as it is.
public struct RedisCredentialLocator: CredentialLocator {
    private enum State {
        /// Before a command: `*` starts an array, anything else an inline command.
        case command
        /// The digits of an array's element count.
        case arrayCount(Int)
        /// Expecting the `$` of the next argument.
        case bulkStart
        /// The digits of an argument's length.
        case bulkLength(Int)
        /// In an argument's bytes; `remaining` counts its CRLF too.
        case bulkData(remaining: Int, secret: Bool)
        /// In an inline command's line.
        case inline
        /// Something unexpected: nothing more is read.
        case lost
    }

    private var offset: Int64 = 0
    private var state = State.command
    private var arguments = 0
    private var argument = 0
    private var word: [UInt8] = []
    private var command: [UInt8] = []
    private var secretArguments: Range<Int> = 0..<0
    private var inWord = false

    /// A locator at the start of a conversation.
    public init() {}

    /// Reads the next bytes of `direction` and appends where `AUTH` arguments are; the server's
    /// replies hold none.
    public mutating func locate(
        _ bytes: UnsafeRawBufferPointer, direction: Direction, into spans: inout [CredentialSpan]
    ) {
        guard direction == .clientToServer else { return }
        var index = 0
        while index < bytes.count {
            if case .lost = state { return }
            if case .bulkData(let remaining, secret: false) = state, remaining > 2, word.count >= 8 {
                // The rest of an argument that decides nothing: step over it.
                let skipped = min(remaining - 2, bytes.count - index)
                state = .bulkData(remaining: remaining - skipped, secret: false)
                index += skipped
                offset += Int64(skipped)
                continue
            }
            let at = offset
            offset += 1
            step(bytes[index], at: at, into: &spans)
            index += 1
        }
    }

    private static func upper(_ byte: UInt8) -> UInt8 {
        byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
    }

    private static let auth = Array("AUTH".utf8)
    private static let hello = Array("HELLO".utf8)

    private mutating func step(_ byte: UInt8, at offset: Int64, into spans: inout [CredentialSpan]) {
        switch state {
        case .lost:
            return
        case .command:
            if byte == UInt8(ascii: "*") {
                state = .arrayCount(0)
            } else if byte != UInt8(ascii: "\r") && byte != UInt8(ascii: "\n") {
                startInline()
                inlineByte(byte, at: offset, into: &spans)
            }
        case .arrayCount(let count):
            switch Self.header(byte, count) {
            case .reading(let value): state = .arrayCount(value)
            case .bad: state = .lost
            case .done(let total):
                arguments = total
                argument = 0
                command.removeAll(keepingCapacity: true)
                secretArguments = 0..<0
                state = total == 0 ? .command : .bulkStart
            }
        case .bulkStart:
            state = byte == UInt8(ascii: "$") ? .bulkLength(0) : .lost
        case .bulkLength(let length):
            switch Self.header(byte, length) {
            case .reading(let value): state = .bulkLength(value)
            case .bad: state = .lost
            case .done(let total):
                word.removeAll(keepingCapacity: true)
                state = .bulkData(remaining: total + 2, secret: secretArguments.contains(argument))
            }
        case .bulkData(let remaining, let secret):
            if remaining > 2 {
                if secret {
                    spans.mark(offset, rule: "redis \(command == Self.hello ? "HELLO AUTH" : "AUTH") argument")
                } else if word.count < 8 {
                    word.append(Self.upper(byte))
                }
            }
            if remaining > 1 {
                state = .bulkData(remaining: remaining - 1, secret: secret)
            } else {
                endArgument()
            }
        case .inline:
            inlineByte(byte, at: offset, into: &spans)
        }
    }

    private enum HeaderStep {
        case reading(Int)
        case done(Int)
        case bad
    }

    /// One byte of a `*N` or `$N` header: a digit, the CR, or the LF that ends it.
    private static func header(_ byte: UInt8, _ value: Int) -> HeaderStep {
        if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
            let next = value * 10 + Int(byte - UInt8(ascii: "0"))
            return next > 512 * 1024 * 1024 ? .bad : .reading(next)
        }
        if byte == UInt8(ascii: "\r") { return .reading(value) }
        if byte == UInt8(ascii: "\n") { return .done(value) }
        return .bad
    }

    private mutating func endArgument() {
        if argument == 0 {
            command = word
            if command == Self.auth { secretArguments = 1..<arguments }
        } else if command == Self.hello && word == Self.auth && secretArguments.isEmpty {
            secretArguments = (argument + 1)..<(argument + 3)
        }
        argument += 1
        state = argument < arguments ? .bulkStart : .command
    }

    // MARK: Inline commands

    private mutating func startInline() {
        state = .inline
        argument = 0
        arguments = Int.max
        word.removeAll(keepingCapacity: true)
        command.removeAll(keepingCapacity: true)
        secretArguments = 0..<0
        inWord = false
    }

    private mutating func inlineByte(_ byte: UInt8, at offset: Int64, into spans: inout [CredentialSpan]) {
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            if inWord { endInlineWord() }
            state = .command
            return
        }
        if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            if inWord { endInlineWord() }
            return
        }
        inWord = true
        if secretArguments.contains(argument) {
            spans.mark(offset, rule: "redis \(command == Self.hello ? "HELLO AUTH" : "AUTH") argument")
        } else if word.count < 8 {
            word.append(Self.upper(byte))
        }
    }

    private mutating func endInlineWord() {
        if argument == 0 {
            command = word
            if command == Self.auth { secretArguments = 1..<Int.max }
        } else if command == Self.hello && word == Self.auth && secretArguments.isEmpty {
            secretArguments = (argument + 1)..<(argument + 3)
        }
        argument += 1
        inWord = false
        word.removeAll(keepingCapacity: true)
    }
}
