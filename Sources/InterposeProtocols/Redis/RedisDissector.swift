import DequeModule
import InterposeCore
import NIOCore

/// Reads Redis conversations, RESP2 and RESP3: commands (arrays and inline) and replies,
/// pipelining, MULTI/EXEC, pub/sub (subscription confirmations answer their command; messages
/// and RESP3 pushes are events), MONITOR, and HELLO negotiation (the version each message spoke).
///
/// Replies are paired with commands in order, as Redis answers them. A reply whose type cannot
/// be the answer to the command it pairs with but fits a later pipelined command is reported as
/// out of order.
///
/// A reply's `bodyFingerprint` is FNV-1a over its type, count, the first leaves the reader keeps
/// (each cut to its limit) and its byte count: enough to tell `+OK` from `-ERR` or `$5 hello` from
/// `$5 world`, not two long arrays that differ only after their first leaves.
public struct RedisDissector: Dissector {
    public let application = ApplicationProtocol.redis

    private struct Pending {
        var index: Int
        var name: String
        var key: String
        /// Replies still due: 1 for most commands, one per channel for (UN)SUBSCRIBE; `nil` for an
        /// UNSUBSCRIBE without channels (confirmations until the subscription count reaches 0).
        var replies: Int?
        var end: Timestamp
        /// The reply type the command returns, when known (for the out-of-order check).
        var shape: ReplyShape?
    }

    private enum ReplyShape {
        case integer, bulk, simple, aggregate
    }

    private var commands = RESPReader(acceptsInline: true)
    private var replies = RESPReader(acceptsInline: false)
    private var pending: Deque<Pending> = []
    private var nextIndex = 0
    private var version = "RESP2"
    /// A HELLO naming a protocol version, waiting for its reply: its index and the version asked.
    private var helloPending: (index: Int, version: String)?
    private var subscribed = false
    private var monitoring = false
    /// `CLIENT REPLY`: whether the server answers commands now (`ON`), none until `ON` (`OFF`), or
    /// not the next one (`SKIP`).
    private var replyMode = ReplyMode.on

    private enum ReplyMode {
        case on, off, skipNext
    }
    private var stopped = false

    /// A dissector at the start of a conversation.
    public init() {}

    public mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        guard !stopped else { return }
        let isCommand = direction == .clientToServer
        var work = isCommand ? commands.cursor.begin(with: bytes) : replies.cursor.begin(with: bytes)
        do {
            while true {
                let next = isCommand ? try commands.read(&work, at: timestamp) : try replies.read(&work, at: timestamp)
                guard let value = next else { break }
                take(value, direction: direction, at: timestamp, packet: packet, into: &output)
                if stopped { return }
            }
        } catch {
            guard case .malformed(let reason) = error else { return }
            stop(
                code: .redisMalformed,
                message: "malformed RESP \(isCommand ? "command" : "reply"): \(reason)",
                packet: packet, into: &output)
            return
        }
        if isCommand { commands.cursor.keep(work) } else { replies.cursor.keep(work) }
    }

    public mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard !stopped else { return }
        let skipped = direction == .clientToServer ? commands.skipGap(size) : replies.skipGap(size)
        if !skipped {
            stop(
                code: .redisUnreadableAfterGap,
                message: "\(size) bytes missing \(direction) in the middle of RESP framing",
                packet: packet, into: &output)
        }
    }

    public mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {}

    public mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput) {
        guard !stopped else { return }
        for (reader, what, code) in [
            (commands, "command", FindingCode.redisIncompleteCommand), (replies, "reply", .redisIncompleteReply),
        ] where reader.isInsideValue {
            let size = reader.partial?.bytes ?? Int64(reader.cursor.keptBytes)
            output.report(
                DissectorFinding(
                    code: code,
                    message: "connection \(reset ? "reset" : "closed") in the middle of a \(what) (\(size) bytes read)")
            )
        }
    }

    private mutating func take(
        _ value: RESPReader.Value, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if direction == .clientToServer {
            takeCommand(value, at: timestamp, packet: packet, into: &output)
        } else {
            takeReply(value, at: timestamp, packet: packet, into: &output)
        }
    }

    private mutating func takeCommand(
        _ value: RESPReader.Value, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard value.type == RESPType.array.rawValue, let first = value.leaves.first else {
            stop(
                code: .redisMalformed,
                message: "a command is not an array of bulk strings (type '\(Character(UnicodeScalar(value.type)))')",
                packet: packet, into: &output)
            return
        }
        var name = first.uppercased()
        // One lookup per command: what its reply looks like, and whether it has subcommands.
        let known = RedisDissector.commands[name]
        // Commands with subcommands group by both words: CLIENT SETNAME, CONFIG GET.
        if value.leaves.count > 1, known?.hasSubcommands == true {
            name += " " + value.leaves[1].uppercased()
        }
        let arguments = value.count - 1
        var replies: Int? = 1
        switch name {
        case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE":
            replies = max(arguments, 1)
        case "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE":
            replies = arguments > 0 ? arguments : nil
        case "HELLO":
            if value.leaves.count > 1, let requested = Int(value.leaves[1]) {
                helloPending = (nextIndex, "RESP\(requested)")
            }
        default:
            break
        }
        var fingerprint = FNV1a()
        for leaf in value.leaves { fingerprint.add(leaf) }
        fingerprint.add(String(value.bytes))
        let summary: String
        if value.leaves.count > 1 && known?.hasSubcommands != true {
            summary =
                arguments > 1
                ? "\(name) \(RESPReader.excerpt(value.leaves[1])) (\(arguments) args)"
                : "\(name) \(RESPReader.excerpt(value.leaves[1]))"
        } else {
            summary = arguments > 1 ? "\(name) (\(arguments) args)" : name
        }
        let index = nextIndex
        nextIndex += 1
        // CLIENT REPLY OFF and SKIP are not answered, nor what they silence; CLIENT REPLY ON is.
        var answered = replyMode == .on
        if replyMode == .skipNext { replyMode = .on }
        if name == "CLIENT REPLY", value.leaves.count > 2 {
            switch value.leaves[2].uppercased() {
            case "OFF":
                replyMode = .off
                answered = false
            case "SKIP":
                if replyMode != .off { replyMode = .skipNext }
                answered = false
            case "ON":
                replyMode = .on
                answered = true
            default:
                break
            }
        }
        // ZADD ... INCR answers like ZINCRBY: a bulk string, a RESP3 double, or nil with NX/XX.
        let shape =
            name == "ZADD" && value.leaves.dropFirst(2).contains(where: { $0.uppercased() == "INCR" })
            ? nil : known?.shape
        var message = Message(
            index: index, role: .request, application: .redis, direction: .clientToServer, start: value.start,
            end: timestamp, packet: packet, name: name, summary: summary, key: name, version: version,
            expectsResponse: answered, bytes: value.bytes, fingerprint: fingerprint.value)
        message.waitsIndefinitely = RedisDissector.isBlocking(name, value.leaves)
        output.emit(message)
        guard answered else { return }
        pending.append(
            Pending(index: index, name: name, key: name, replies: replies, end: timestamp, shape: shape))
        if pending.count > 1_000_000 {
            pending.removeFirst(pending.count / 2)
        }
    }

    /// Commands the server may hold unanswered until data arrives or their timeout (0: forever).
    private static let blockingCommands: Set<String> = [
        "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
    ]

    /// Whether a command blocks: a blocking list or sorted-set pop, `WAIT`, or `XREAD`/`XREADGROUP`
    /// with `BLOCK`.
    private static func isBlocking(_ name: String, _ leaves: RESPLeaves) -> Bool {
        if blockingCommands.contains(name) { return true }
        guard name == "XREAD" || name == "XREADGROUP" else { return false }
        return leaves.dropFirst().contains { $0.uppercased() == "BLOCK" }
    }

    /// Commands whose first argument is a subcommand: statistics group by both words.
    private static let withSubcommands: Set<String> = [
        "CLIENT", "CONFIG", "CLUSTER", "COMMAND", "SCRIPT", "OBJECT", "MEMORY", "XINFO", "ACL", "FUNCTION", "PUBSUB",
    ]

    private static let subscriptionKinds: Set<String> = [
        "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
    ]
    private static let messageKinds: Set<String> = ["message", "pmessage", "smessage"]

    private mutating func takeReply(
        _ value: RESPReader.Value, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        let kind = value.leaves.first?.lowercased() ?? ""
        let isAggregate = value.type == RESPType.array.rawValue || value.type == RESPType.push.rawValue
        let isPush = value.type == RESPType.push.rawValue
        let isConfirmation =
            isAggregate && RedisDissector.subscriptionKinds.contains(kind)
            && (isPush || subscribed || pending.first.map { RedisDissector.isSubscription($0.name) } == true)
        let isPublished = isAggregate && (isPush || subscribed) && RedisDissector.messageKinds.contains(kind)
        if monitoring || isPublished || (isPush && !isConfirmation) {
            output.emit(
                Message(
                    index: nextIndex, role: .event, application: .redis, direction: .serverToClient, start: value.start,
                    end: timestamp, packet: packet,
                    name: isPush || isPublished ? kind.isEmpty ? "push" : kind : "monitor",
                    summary: RedisDissector.describe(value), version: version, bytes: value.bytes))
            nextIndex += 1
            return
        }
        var answered: Pending?
        if !pending.isEmpty {
            if !isConfirmation, value.type != RESPType.simpleError.rawValue, value.type != RESPType.bulkError.rawValue,
                let expected = pending[0].shape, !RedisDissector.fits(value, expected)
            {
                let later = pending.dropFirst().prefix(64).first { candidate in
                    candidate.shape.map { RedisDissector.fits(value, $0) } ?? false
                }
                if let later {
                    output.report(
                        DissectorFinding(
                            code: .redisReplyOutOfOrder,
                            message:
                                "reply \(RedisDissector.describe(value)) cannot answer \(pending[0].name) (command #\(pending[0].index)) but fits the later pipelined \(later.name) (#\(later.index)): replies are out of order",
                            packet: packet, messageIndex: pending[0].index))
                } else {
                    output.report(
                        DissectorFinding(
                            code: .redisUnexpectedReplyType,
                            message:
                                "reply \(RedisDissector.describe(value)) is not of the type \(pending[0].name) returns",
                            packet: packet, messageIndex: pending[0].index))
                }
            }
            answered = pending[0]
            if isConfirmation, let due = pending[0].replies, due > 1 {
                pending[0].replies = due - 1
            } else if isConfirmation, pending[0].replies == nil, let count = value.leaves.last.flatMap(Int.init),
                count > 0
            {
                // UNSUBSCRIBE without channels: one confirmation per channel, the last with count 0.
            } else {
                pending.removeFirst()
            }
        }
        if isConfirmation, let count = value.leaves.count >= 3 ? Int(value.leaves[2]) : nil {
            subscribed = count > 0
        }
        let status = RedisDissector.status(of: value, answering: answered?.name)
        if let answered {
            if answered.name == "MONITOR", !status.isFailure { monitoring = true }
            if let hello = helloPending, answered.index == hello.index {
                // The server switches only when it accepts (an error, like -NOPROTO, keeps the old one).
                helloPending = nil
                if !status.isFailure { version = hello.version }
            }
        }
        var content = FNV1a()
        content.add(CollectionOfOne(value.type))
        content.add(value.isNull ? "null" : String(value.count))
        for leaf in value.leaves { content.add(leaf) }
        content.add(String(value.bytes))
        output.emit(
            Message(
                index: nextIndex, role: .response, application: .redis, direction: .serverToClient, start: value.start,
                end: timestamp, packet: packet, name: status.code, summary: RedisDissector.describe(value),
                key: answered?.key ?? "(no command)", version: version, answers: answered?.index, status: status,
                bytes: value.bytes, bodyFingerprint: content.value))
        nextIndex += 1
    }

    private mutating func stop(
        code: FindingCode, severity: Severity? = nil, message: String, packet: Int?, into output: inout DissectorOutput
    ) {
        stopped = true
        output.report(
            DissectorFinding(
                code: code, severity: severity, message: message,
                detail: "the rest of the conversation is not dissected",
                packet: packet))
    }

    private static func isSubscription(_ name: String) -> Bool {
        name.hasSuffix("SUBSCRIBE")
    }

    /// A short text for a reply: `+OK`, `-ERR unknown command`, `:42`, `$5`, `*3`, `nil`.
    static func describe(_ value: RESPReader.Value) -> String {
        if value.isNull { return "nil" }
        let type = Character(UnicodeScalar(value.type))
        switch RESPType(rawValue: value.type) {
        case .simpleString, .simpleError, .integer, .double, .boolean, .bigNumber:
            return "\(type)\(RESPReader.excerpt(value.leaves.first ?? ""))"
        case .bulkString, .verbatimString, .bulkError:
            return "\(type)\(value.bytes) bytes"
        default:
            var text = "\(type)\(value.count)"
            if let first = value.leaves.first, !first.isEmpty { text += " [\(RESPReader.excerpt(first)), ...]" }
            return text
        }
    }

    /// The outcome of a reply: an error's first word is its code (`ERR`, `WRONGTYPE`, `NOAUTH`).
    /// `WRONGPASS` is an authentication failure only as the answer to `AUTH` or `HELLO`, the
    /// commands that give a password; a `DEBUG ERROR` reply is whatever text the client asked for.
    /// - Parameter command: the command it answers, when known.
    static func status(of value: RESPReader.Value, answering command: String? = nil) -> MessageStatus {
        guard value.type == RESPType.simpleError.rawValue || value.type == RESPType.bulkError.rawValue else {
            return MessageStatus(.success, code: "OK")
        }
        let text = value.leaves.first ?? ""
        let code = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? "ERR"
        if command == "DEBUG" { return MessageStatus(.clientError, code: code) }
        switch code {
        case "WRONGPASS" where command != nil && command != "AUTH" && command != "HELLO":
            return MessageStatus(.clientError, code: code)
        case "NOAUTH", "WRONGPASS", "NOPERM":
            return MessageStatus(.authenticationFailure, code: code)
        case "LOADING", "BUSY", "MASTERDOWN", "MISCONF", "OOM", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "NOREPLICAS":
            return MessageStatus(.serverError, code: code)
        default:
            return MessageStatus(.clientError, code: code)
        }
    }

    private static let integerCommands: Set<String> = [
        "INCR", "DECR", "INCRBY", "DECRBY", "DEL", "EXISTS", "UNLINK", "LPUSH", "RPUSH", "LLEN", "SADD", "SREM",
        "SCARD", "HSET", "HDEL", "HLEN", "ZADD", "ZCARD", "EXPIRE", "PEXPIRE", "TTL", "PTTL", "PUBLISH", "APPEND",
        "STRLEN", "SETNX", "HINCRBY", "DBSIZE", "SISMEMBER", "HEXISTS",
    ]
    private static let bulkCommands: Set<String> = ["GET", "GETDEL", "HGET", "LINDEX", "ECHO"]
    private static let simpleCommands: Set<String> = ["MSET", "SELECT", "FLUSHALL", "FLUSHDB", "MULTI", "WATCH"]
    private static let aggregateCommands: Set<String> = [
        "MGET", "LRANGE", "KEYS", "SMEMBERS", "HGETALL", "ZRANGE", "SCAN",
    ]

    private struct CommandInfo {
        var shape: ReplyShape?
        var hasSubcommands = false
    }

    /// The commands the dissector knows something about, by name.
    private static let commands: [String: CommandInfo] = {
        var table: [String: CommandInfo] = [:]
        for (names, shape) in [
            (integerCommands, ReplyShape.integer), (bulkCommands, .bulk), (simpleCommands, .simple),
            (aggregateCommands, .aggregate),
        ] {
            for name in names { table[name] = CommandInfo(shape: shape) }
        }
        for name in withSubcommands { table[name, default: CommandInfo()].hasSubcommands = true }
        return table
    }()

    private static func fits(_ value: RESPReader.Value, _ shape: ReplyShape) -> Bool {
        if value.type == RESPType.simpleString.rawValue && value.leaves.first == "QUEUED" { return true }
        switch shape {
        case .integer: return value.type == RESPType.integer.rawValue
        case .bulk:
            return value.type == RESPType.bulkString.rawValue || value.type == RESPType.null.rawValue || value.isNull
                || value.type == RESPType.verbatimString.rawValue
        case .simple: return value.type == RESPType.simpleString.rawValue
        case .aggregate:
            return [RESPType.array.rawValue, RESPType.set.rawValue, RESPType.map.rawValue].contains(value.type)
                || value.isNull
        }
    }
}
