/// Redis for stateful replay: the values a reply hands out (bulk strings and integers, by the
/// paths `RedisContent` gives them: `reply`, `reply[1]`) and commands rewritten with live values in
/// their arguments, each bulk length written again.
enum RedisCorrelation {
    /// The bulk strings and integers of a reply, by path.
    static func values(_ bytes: [UInt8]) -> [HandedValue] {
        guard let replies = RESPReader.values(in: bytes) else { return [] }
        var values: [HandedValue] = []
        for (index, reply) in replies.enumerated() {
            add(reply, at: index == 0 ? "reply" : "reply#\(index + 1)", to: &values)
        }
        return values
    }

    private static func add(_ value: RESPValue, at path: String, to values: inout [HandedValue]) {
        switch value {
        case .bulk(let bytes), .verbatim(_, let bytes): values.append(HandedValue(locator: path, value: bytes))
        case .integer(let text), .bigNumber(let text):
            values.append(HandedValue(locator: path, value: Array(text.utf8)))
        case .array(let elements), .push(let elements):
            for (index, element) in elements.enumerated() { add(element, at: path + "[\(index)]", to: &values) }
        case .map(let pairs):
            for pair in pairs {
                if case .bulk(let key) = pair.key {
                    add(pair.value, at: path + "." + ByteText.escaped(key), to: &values)
                } else if case .simple(let key) = pair.key {
                    add(pair.value, at: path + "." + key, to: &values)
                }
            }
        case .simple, .error, .null, .set, .double, .boolean:
            // Status words, errors and unordered sets hand nothing out that a client sends back by place.
            break
        }
    }

    /// The commands of a client write (arrays of bulk strings) with the substitutions made in their
    /// arguments (`arg[1]` is the first after the command name); an inline command or one cut short
    /// ends the rewriting, and it and what follows are passed on unchanged.
    static func rewrite(_ bytes: [UInt8], _ substitutions: [ValueSubstitution]) -> RequestRewrite {
        var places = Array(repeating: [String](), count: substitutions.count)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var index = 0
        commands: while index < bytes.count, bytes[index] == UInt8(ascii: "*") {
            guard let (count, afterCount) = number(bytes, from: index + 1), count >= 0 else { break }
            var cursor = afterCount
            var arguments: [ArraySlice<UInt8>] = []
            for _ in 0..<count {
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "$"),
                    let (length, start) = number(bytes, from: cursor + 1), length >= 0,
                    start + length + 2 <= bytes.count
                else { break commands }
                arguments.append(bytes[start..<(start + length)])
                cursor = start + length + 2
            }
            out += Array("*\(count)\r\n".utf8)
            for (position, argument) in arguments.enumerated() {
                let value =
                    position == 0
                    ? Array(argument)
                    : ValueReplacement.replace(argument, substitutions, place: "arg[\(position)]", places: &places)
                out += Array("$\(value.count)\r\n".utf8)
                out += value
                out += [0x0D, 0x0A]
            }
            index = cursor
        }
        out += bytes[index...]
        return RequestRewrite(bytes: out, places: places)
    }

    /// A decimal number ended by CRLF at `from`, and the index after the CRLF.
    private static func number(_ bytes: [UInt8], from: Int) -> (Int, Int)? {
        var index = from
        var value = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let digits = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, index - digits < 18 {
            value = value * 10 + Int(bytes[index] - 0x30)
            index += 1
        }
        guard index > digits, index + 1 < bytes.count, bytes[index] == 0x0D, bytes[index + 1] == 0x0A else {
            return nil
        }
        return (negative ? -value : value, index + 2)
    }
}
