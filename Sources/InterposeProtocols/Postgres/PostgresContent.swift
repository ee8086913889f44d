/// PostgreSQL backend replies (a sequence of messages: a type byte, then an Int32 big-endian length
/// that counts itself) as fields and text, and frontend requests as their query text.
///
/// Messages are framed by the dissector's `PostgresMessageReader` and their bodies read with its
/// `PostgresBody`; the message layout is the protocol 3 documentation's "Message Formats".
enum PostgresContent {
    /// The fields of a backend reply; `nil` when the bytes are not a sequence of messages.
    static func fields(_ bytes: [UInt8]) -> [ContentField]? {
        if bytes.count == 1, bytes[0] == UInt8(ascii: "S") || bytes[0] == UInt8(ascii: "N") {
            // The one-byte answer to SSLRequest or GSSENCRequest.
            return [ContentField(path: "ssl", value: String(UnicodeScalar(bytes[0])))]
        }
        guard let messages = PostgresMessageReader.messages(in: bytes) else { return nil }
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
            var reader = PostgresBody(message.body)
            guard let id = PostgresBackendMessageID(rawValue: message.type) else {
                add("message." + String(UnicodeScalar(message.type)), ByteText.value(message.body))
                continue
            }
            switch id {
            case .authentication:
                add("auth", authentication(&reader))
            case .parameterStatus:
                let name = reader.terminatedString() ?? ""
                add("parameter." + name, reader.terminatedString() ?? "")
            case .backendKeyData:
                // BackendKeyData: the backend's process id and cancel secret are the connection's
                // identity, different on every connection, not content: never a field.
                continue
            case .readyForQuery:
                flushRows()
                add("ready", reader.byte().map { String(UnicodeScalar($0)) } ?? "")
            case .rowDescription:
                columns = []
                for _ in 0..<reader.count16() {
                    let name = reader.terminatedString() ?? ""
                    _ = reader.skip(16)  // table oid, column number, type oid, type size, type modifier
                    columns.append((name, reader.int16() == 1))
                }
                add("columns", columns.map(\.name).joined(separator: ","))
                rowsPending = true
            case .dataRow:
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
            case .commandComplete:
                flushRows()
                add("tag", reader.terminatedString() ?? "")
            case .errorResponse, .noticeResponse:
                let prefix = id == .errorResponse ? "error" : "notice"
                let found = errorFields(&reader)
                // Position, file, line and routine name where the server raised it: they change
                // with the server's build, not with the answer.
                for (code, name) in [
                    ("V", "severity"), ("C", "code"), ("M", "message"), ("D", "detail"), ("H", "hint"),
                ] {
                    let value = code == "V" ? found["V"] ?? found["S"] : found[code]
                    guard let value, prefix == "error" || code == "M" || code == "C" else { continue }
                    // An error's SQLSTATE is the reply's status; a notice's code is content.
                    let isStatus = prefix == "error" && code == "C"
                    fields.append(
                        ContentField(path: prefix + "." + name, value: value, statusClass: isStatus ? value : nil))
                }
            case .parseComplete: add("step", "ParseComplete")
            case .bindComplete: add("step", "BindComplete")
            case .closeComplete: add("step", "CloseComplete")
            case .noData: add("step", "NoData")
            case .portalSuspended: add("step", "PortalSuspended")
            case .emptyQueryResponse: add("step", "EmptyQueryResponse")
            case .parameterDescription:
                let oids = (0..<reader.count16()).map { _ in String(reader.int32() ?? 0) }
                add("parameters", oids.joined(separator: ","))
            case .notificationResponse:
                // The notifying backend's process id is identity: left out.
                _ = reader.int32()
                add("notification.channel", reader.terminatedString() ?? "")
                add("notification.payload", reader.terminatedString() ?? "")
            case .copyInResponse, .copyOutResponse, .copyBothResponse:
                add("copy", reader.byte() == 1 ? "binary" : "text")
            case .copyData:
                add("copy[\(copyCount)]", ByteText.value(message.body))
                copyCount += 1
            case .copyDone:
                continue
            case .functionCallResponse, .negotiateProtocolVersion:
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
        guard let messages = PostgresMessageReader.messages(in: bytes) else {
            return bytes.count == 1 ? "ssl " + String(UnicodeScalar(bytes[0])) : nil
        }
        let requestTypes: Set<PostgresFrontendMessageID> = [
            .query, .parse, .bind, .terminate, .functionCall, .password,
        ]
        if messages.contains(where: { PostgresFrontendMessageID(rawValue: $0.type).map(requestTypes.contains) ?? false }
        ) {
            return requestText(messages)
        }
        return replyText(bytes)
    }

    private static func authentication(_ reader: inout PostgresBody) -> String {
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
            while let name = reader.terminatedString(), !name.isEmpty { mechanisms.append(name) }
            return "sasl " + mechanisms.joined(separator: ",")
        case 11: return "sasl-continue"
        case 12: return "sasl-final"
        case let other: return "request \(other)"
        }
    }

    private static func errorFields(_ reader: inout PostgresBody) -> [String: String] {
        var found: [String: String] = [:]
        while let code = reader.byte(), code != 0, let value = reader.terminatedString() {
            found[String(UnicodeScalar(code))] = value
        }
        return found
    }

    private static func startupText(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 8, bytes[0] == 0 else { return nil }
        var reader = PostgresBody(bytes)
        guard let length = reader.int32(), length >= 8, let code = reader.int32() else { return nil }
        switch PostgresStartupCode(rawValue: code) {
        case .sslRequest: return "SSLRequest"
        case .gssEncRequest: return "GSSENCRequest"
        case .cancelRequest: return "CancelRequest"
        case .protocol3, nil:
            var words = ["startup"]
            while let name = reader.terminatedString(), !name.isEmpty, let value = reader.terminatedString() {
                words.append(name + "=" + value)
            }
            var startup = words.joined(separator: " ")
            if Int(length) < bytes.count, let rest = text(Array(bytes[Int(length)...])) { startup += "\n" + rest }
            return startup
        }
    }

    private static func requestText(_ messages: [PostgresMessageReader.RawMessage]) -> String {
        messages.map { message -> String in
            var reader = PostgresBody(message.body)
            switch PostgresFrontendMessageID(rawValue: message.type) {
            case .query: return reader.terminatedString() ?? ""
            case .parse:
                let name = reader.terminatedString() ?? ""
                let query = reader.terminatedString() ?? ""
                return name.isEmpty ? query : "PREPARE \(name) AS \(query)"
            case .bind:
                _ = reader.terminatedString()
                _ = reader.terminatedString()
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
            case .execute: return "Execute"
            case .sync: return "Sync"
            case .describe: return "Describe"
            case .close: return "Close"
            case .flush: return "Flush"
            case .terminate: return "Terminate"
            case .functionCall: return "FunctionCall"
            case .password: return "(password or SASL response)"
            case .copyData, .copyDone, .copyFail, nil: return "message " + String(UnicodeScalar(message.type))
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
}
