/// PostgreSQL backend replies (a sequence of messages: a type byte, then an Int32 big-endian length
/// that counts itself) as fields and text, and frontend requests as their query text.
///
/// Parsed here rather than with InterposeProtocols' `PostgresMessageReader`, which is internal to its
/// module and streams; the message layout is the protocol 3 documentation's "Message Formats".
enum PostgresContent {
    /// One message: its type byte and its body (after the length).
    struct Message {
        var type: UInt8
        var body: ArraySlice<UInt8>
    }

    /// The fields of a backend reply; `nil` when the bytes are not a sequence of messages.
    static func fields(_ bytes: [UInt8]) -> [ContentField]? {
        if bytes.count == 1, bytes[0] == UInt8(ascii: "S") || bytes[0] == UInt8(ascii: "N") {
            // The one-byte answer to SSLRequest or GSSENCRequest.
            return [ContentField(path: "ssl", value: String(UnicodeScalar(bytes[0])))]
        }
        guard let messages = messages(bytes) else { return nil }
        var fields: [ContentField] = []
        var columns: [(name: String, binary: Bool)] = []
        var rowCount = 0
        var rowsPending = false
        var copyCount = 0
        func add(_ path: String, _ value: String) { fields.append(ContentField(path: path, value: value)) }
        func flushRows() {
            if rowsPending { add("rows", String(rowCount)) }
            rowsPending = false
        }
        for message in messages {
            var reader = Reader(bytes: message.body)
            switch message.type {
            case UInt8(ascii: "R"):
                add("auth", authentication(&reader))
            case UInt8(ascii: "S"):
                let name = reader.cString() ?? ""
                add("parameter." + name, reader.cString() ?? "")
            case UInt8(ascii: "K"):
                // BackendKeyData: the backend's process id and cancel secret are the connection's
                // identity, different on every connection, not content: never a field.
                continue
            case UInt8(ascii: "Z"):
                flushRows()
                add("ready", reader.byte().map { String(UnicodeScalar($0)) } ?? "")
            case UInt8(ascii: "T"):
                columns = []
                for _ in 0..<reader.count16() {
                    let name = reader.cString() ?? ""
                    _ = reader.skip(16)  // table oid, column number, type oid, type size, type modifier
                    columns.append((name, reader.int16() == 1))
                }
                add("columns", columns.map(\.name).joined(separator: ","))
                rowsPending = true
            case UInt8(ascii: "D"):
                for column in 0..<reader.count16() {
                    let name = column < columns.count ? "." + columns[column].name : "[\(column)]"
                    let binary = column < columns.count && columns[column].binary
                    let value: String
                    if let length = reader.int32(), length >= 0, let data = reader.take(Int(length)) {
                        value = binary ? "\\x" + data.map(ByteText.hex).joined() : ByteText.value(data, keepText: true)
                    } else {
                        value = "NULL"
                    }
                    add("row[\(rowCount)]" + name, value)
                }
                rowCount += 1
                rowsPending = true
            case UInt8(ascii: "C"):
                flushRows()
                add("tag", reader.cString() ?? "")
            case UInt8(ascii: "E"), UInt8(ascii: "N"):
                let prefix = message.type == UInt8(ascii: "E") ? "error" : "notice"
                let found = errorFields(&reader)
                // Position, file, line and routine name where the server raised it: they change
                // with the server's build, not with the answer.
                for (code, name) in [
                    ("V", "severity"), ("C", "code"), ("M", "message"), ("D", "detail"), ("H", "hint"),
                ] {
                    let value = code == "V" ? found["V"] ?? found["S"] : found[code]
                    if let value, prefix == "error" || code == "M" || code == "C" { add(prefix + "." + name, value) }
                }
            case UInt8(ascii: "1"): add("step", "ParseComplete")
            case UInt8(ascii: "2"): add("step", "BindComplete")
            case UInt8(ascii: "3"): add("step", "CloseComplete")
            case UInt8(ascii: "n"): add("step", "NoData")
            case UInt8(ascii: "s"): add("step", "PortalSuspended")
            case UInt8(ascii: "I"): add("step", "EmptyQueryResponse")
            case UInt8(ascii: "t"):
                let oids = (0..<reader.count16()).map { _ in String(reader.int32() ?? 0) }
                add("parameters", oids.joined(separator: ","))
            case UInt8(ascii: "A"):
                // The notifying backend's process id is identity: left out.
                _ = reader.int32()
                add("notification.channel", reader.cString() ?? "")
                add("notification.payload", reader.cString() ?? "")
            case UInt8(ascii: "G"), UInt8(ascii: "H"), UInt8(ascii: "W"):
                add("copy", reader.byte() == 1 ? "binary" : "text")
            case UInt8(ascii: "d"):
                add("copy[\(copyCount)]", ByteText.value(message.body))
                copyCount += 1
            case UInt8(ascii: "c"):
                continue
            default:
                add("message." + String(UnicodeScalar(message.type)), ByteText.value(message.body))
            }
        }
        flushRows()
        return ContentField.joiningRepeats(fields)
    }

    /// The text of a request (query text of `Q` and `P`, one line per other message) or of a reply
    /// (columns and rows, tag, errors); `nil` when the bytes are not PostgreSQL messages.
    static func text(_ bytes: [UInt8]) -> String? {
        if let startup = startupText(bytes) { return startup }
        guard let messages = messages(bytes) else {
            return bytes.count == 1 ? "ssl " + String(UnicodeScalar(bytes[0])) : nil
        }
        let requestTypes: Set<UInt8> = Set("QPBXFp".utf8)
        if messages.contains(where: { requestTypes.contains($0.type) }) {
            return requestText(messages)
        }
        return replyText(bytes)
    }

    /// Splits a sequence of typed messages; `nil` when a length is impossible or the bytes end
    /// inside a message header.
    static func messages(_ bytes: [UInt8]) -> [Message]? {
        var messages: [Message] = []
        var index = 0
        while index < bytes.count {
            guard index + 5 <= bytes.count, bytes[index] >= 0x20, bytes[index] < 0x7F else { return nil }
            let length =
                Int(bytes[index + 1]) << 24 | Int(bytes[index + 2]) << 16 | Int(bytes[index + 3]) << 8
                | Int(bytes[index + 4])
            guard length >= 4 else { return nil }
            let end = min(bytes.count, index + 1 + length)
            messages.append(Message(type: bytes[index], body: bytes[(index + 5)..<end]))
            index = index + 1 + length
        }
        return messages.isEmpty ? nil : messages
    }

    private static func authentication(_ reader: inout Reader) -> String {
        // Salts, SASL challenges and server signatures change on every connection: only the step.
        switch reader.int32() ?? -1 {
        case 0: return "ok"
        case 2: return "kerberos-v5"
        case 3: return "cleartext-password"
        case 5: return "md5-password"
        case 7: return "gss"
        case 8: return "gss-continue"
        case 9: return "sspi"
        case 10:
            var mechanisms: [String] = []
            while let name = reader.cString(), !name.isEmpty { mechanisms.append(name) }
            return "sasl " + mechanisms.joined(separator: ",")
        case 11: return "sasl-continue"
        case 12: return "sasl-final"
        case let other: return "request \(other)"
        }
    }

    private static func errorFields(_ reader: inout Reader) -> [String: String] {
        var found: [String: String] = [:]
        while let code = reader.byte(), code != 0, let value = reader.cString() {
            found[String(UnicodeScalar(code))] = value
        }
        return found
    }

    private static func startupText(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 8, bytes[0] == 0 else { return nil }
        var reader = Reader(bytes: bytes[...])
        guard let length = reader.int32(), length >= 8, let code = reader.int32() else { return nil }
        switch code {
        case 80_877_103: return "SSLRequest"
        case 80_877_104: return "GSSENCRequest"
        case 80_877_102: return "CancelRequest"
        default:
            var words = ["startup"]
            while let name = reader.cString(), !name.isEmpty, let value = reader.cString() {
                words.append(name + "=" + value)
            }
            var startup = words.joined(separator: " ")
            if Int(length) < bytes.count, let rest = text(Array(bytes[Int(length)...])) { startup += "\n" + rest }
            return startup
        }
    }

    private static func requestText(_ messages: [Message]) -> String {
        messages.map { message -> String in
            var reader = Reader(bytes: message.body)
            switch message.type {
            case UInt8(ascii: "Q"): return reader.cString() ?? ""
            case UInt8(ascii: "P"):
                let name = reader.cString() ?? ""
                let query = reader.cString() ?? ""
                return name.isEmpty ? query : "PREPARE \(name) AS \(query)"
            case UInt8(ascii: "B"):
                _ = reader.cString()
                _ = reader.cString()
                _ = reader.skip(reader.count16() * 2)
                var values: [String] = []
                for _ in 0..<reader.count16() {
                    if let length = reader.int32(), length >= 0, let data = reader.take(Int(length)) {
                        values.append(ByteText.quoted(data))
                    } else {
                        values.append("NULL")
                    }
                }
                return values.isEmpty ? "Bind" : "Bind " + values.joined(separator: ", ")
            case UInt8(ascii: "E"): return "Execute"
            case UInt8(ascii: "S"): return "Sync"
            case UInt8(ascii: "D"): return "Describe"
            case UInt8(ascii: "C"): return "Close"
            case UInt8(ascii: "H"): return "Flush"
            case UInt8(ascii: "X"): return "Terminate"
            case UInt8(ascii: "F"): return "FunctionCall"
            case UInt8(ascii: "p"): return "(password or SASL response)"
            default: return "message " + String(UnicodeScalar(message.type))
            }
        }.joined(separator: "\n")
    }

    /// A reply the way psql shows it: `name | age` then one line per row, the row count and tag.
    private static func replyText(_ bytes: [UInt8]) -> String? {
        guard let fields = fields(bytes) else { return nil }
        var lines: [String] = []
        var row: [String] = []
        var rowIndex = -1
        func flushRow() {
            if !row.isEmpty { lines.append(row.joined(separator: " | ")) }
            row = []
        }
        for field in fields {
            if field.path.hasPrefix("row[") {
                let index = Int(field.path.dropFirst(4).prefix { $0.isNumber }) ?? 0
                if index != rowIndex { flushRow() }
                rowIndex = index
                row.append(field.value)
                continue
            }
            flushRow()
            switch field.path {
            case "columns":
                lines.append(
                    field.value.split(separator: ",", omittingEmptySubsequences: false).joined(separator: " | "))
            case "rows": lines.append("(\(field.value) row\(field.value == "1" ? "" : "s"))")
            default: lines.append(field.path + ": " + field.value)
            }
        }
        flushRow()
        return lines.joined(separator: "\n")
    }

    /// Big-endian reading over a message body.
    struct Reader {
        var bytes: ArraySlice<UInt8>

        mutating func byte() -> UInt8? { bytes.popFirst() }

        mutating func int16() -> Int16? {
            guard let data = take(2) else { return nil }
            return Int16(bitPattern: UInt16(data[data.startIndex]) << 8 | UInt16(data[data.startIndex + 1]))
        }

        /// An Int16 count, 0 when missing or negative.
        mutating func count16() -> Int { max(0, Int(int16() ?? 0)) }

        mutating func int32() -> Int32? {
            guard let data = take(4) else { return nil }
            return Int32(bitPattern: data.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, bytes.count >= count else { return nil }
            defer { bytes = bytes.dropFirst(count) }
            return bytes.prefix(count)
        }

        mutating func skip(_ count: Int) -> Bool { take(count) != nil }

        /// A NUL-terminated string; `nil` when there is no NUL.
        mutating func cString() -> String? {
            guard let end = bytes.firstIndex(of: 0) else { return nil }
            defer { bytes = bytes[(end + 1)...] }
            return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
        }
    }
}
