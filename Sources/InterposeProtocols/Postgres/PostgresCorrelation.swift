/// PostgreSQL for stateful replay: the values a reply hands out (the text cells of its rows, by the
/// paths `PostgresContent` gives them: `row[0].id`) and frontend messages rewritten with live values
/// in query texts (`Query`, `Parse`) and bind parameters, each message length written again.
enum PostgresCorrelation {
    /// The text-format cells of a reply's rows, by path; NULLs and binary cells hand nothing out.
    static func values(_ bytes: [UInt8]) -> [HandedValue] {
        guard let messages = PostgresMessageReader.messages(in: bytes) else { return [] }
        var values: [HandedValue] = []
        var columns: [(name: String, binary: Bool)] = []
        var row = 0
        for message in messages {
            var reader = PostgresBody(message.body)
            switch PostgresBackendMessageID(rawValue: message.type) {
            case .rowDescription:
                columns = []
                for _ in 0..<reader.count16() {
                    let name = reader.terminatedString() ?? ""
                    _ = reader.skip(16)
                    columns.append((name, reader.int16() == 1))
                }
            case .dataRow:
                for column in 0..<reader.count16() {
                    guard let length = reader.int32(), length >= 0, let data = reader.take(Int(length)) else {
                        continue
                    }
                    let known = column < columns.count
                    guard !(known && columns[column].binary) else { continue }
                    let name = known ? "." + columns[column].name : "[\(column)]"
                    values.append(HandedValue(locator: "row[\(row)]" + name, value: Array(data)))
                }
                row += 1
            default:
                break
            }
        }
        return values
    }

    /// The client write with the substitutions made: a startup message first is passed on as it
    /// is; `Query` and `Parse` texts are rewritten (`sql`), `Bind` parameters (`bind[0]`); other
    /// messages and a message cut short (and what follows it) are passed on unchanged.
    static func rewrite(_ bytes: [UInt8], _ substitutions: [ValueSubstitution]) -> RequestRewrite {
        var places = Array(repeating: [String](), count: substitutions.count)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var index = 0
        if bytes.count >= 8, bytes[0] == 0 {
            let length = Int(int32(bytes, at: 0))
            guard length >= 8, length <= bytes.count else { return RequestRewrite(bytes: bytes, places: places) }
            out += bytes[..<length]
            index = length
        }
        while index + 5 <= bytes.count {
            let type = bytes[index]
            let length = Int(int32(bytes, at: index + 1))
            guard length >= 4, index + 1 + length <= bytes.count else { break }
            let body = Array(bytes[(index + 5)..<(index + 1 + length)])
            let rewritten: [UInt8]
            switch PostgresFrontendMessageID(rawValue: type) {
            case .query:
                rewritten = rewriteStrings(body, at: [0], substitutions, &places)
            case .parse:
                rewritten = rewriteStrings(body, at: [1], substitutions, &places)
            case .bind:
                rewritten = rewriteBind(body, substitutions, &places) ?? body
            default:
                rewritten = body
            }
            out.append(type)
            out += bigEndian(UInt32(rewritten.count + 4))
            out += rewritten
            index += 1 + length
        }
        out += bytes[index...]
        return RequestRewrite(bytes: out, places: places)
    }

    /// A body of NUL-terminated strings (then anything) with the strings at `positions` rewritten.
    private static func rewriteStrings(
        _ body: [UInt8], at positions: Set<Int>, _ substitutions: [ValueSubstitution], _ places: inout [[String]]
    ) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        var position = 0
        while start < body.count, let end = body[start...].firstIndex(of: 0) {
            if positions.contains(position) {
                out += ValueReplacement.replace(body[start..<end], substitutions, place: "sql", places: &places)
            } else {
                out += body[start..<end]
            }
            out.append(0)
            start = end + 1
            position += 1
            if position > positions.max() ?? 0 { break }
        }
        out += body[start...]
        return out
    }

    /// A Bind body with its parameter values rewritten; `nil` when it does not read as one.
    private static func rewriteBind(
        _ body: [UInt8], _ substitutions: [ValueSubstitution], _ places: inout [[String]]
    ) -> [UInt8]? {
        var index = 0
        for _ in 0..<2 {
            guard let end = body[index...].firstIndex(of: 0) else { return nil }
            index = end + 1
        }
        guard index + 2 <= body.count else { return nil }
        let formatsAt = index
        let formats = Int(int16(body, at: index))
        index += 2 + formats * 2
        guard index + 2 <= body.count else { return nil }
        let count = Int(int16(body, at: index))
        index += 2
        var out = Array(body[..<index])
        var changed: [[String]] = places
        for parameter in 0..<count {
            guard index + 4 <= body.count else { return nil }
            let length = Int(Int32(bitPattern: int32(body, at: index)))
            index += 4
            guard length >= 0 else {
                out += bigEndian(UInt32(bitPattern: -1))
                continue
            }
            guard index + length <= body.count else { return nil }
            // A binary parameter (its format 1) is not text: left as it is.
            let formatIndex = formats == 1 ? 0 : parameter
            let format = formatIndex < formats ? int16(body, at: formatsAt + 2 + formatIndex * 2) : 0
            let value =
                format == 1
                ? Array(body[index..<(index + length)])
                : ValueReplacement.replace(
                    body[index..<(index + length)], substitutions, place: "bind[\(parameter)]", places: &changed)
            out += bigEndian(UInt32(value.count))
            out += value
            index += length
        }
        out += body[index...]
        places = changed
        return out
    }

    private static func int32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8
            | UInt32(bytes[index + 3])
    }

    private static func int16(_ bytes: [UInt8], at index: Int) -> UInt16 {
        UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
