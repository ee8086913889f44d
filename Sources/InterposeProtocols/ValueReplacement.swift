/// Substitutes values inside one place of a message (a header value, a command argument, a query
/// text): each occurrence of a recorded value that stands as a token of its own, so `1001` is
/// replaced in `item:1001` and `/items/1001?x=1` but not in `10012` or `a1001`.
package enum ValueReplacement {
    /// `bytes` with the substitutions that apply at `place` made, longer recorded values tried
    /// first; each replacement of substitution `i` appends `place` to `places[i]`.
    package static func replace<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, _ substitutions: [ValueSubstitution], place: String, places: inout [[String]]
    ) -> [UInt8] where Bytes.Index == Int {
        guard !substitutions.isEmpty else { return Array(bytes) }
        let order = substitutions.indices.filter {
            !substitutions[$0].recorded.isEmpty && substitutions[$0].applies(at: place)
        }.sorted {
            substitutions[$0].recorded.count > substitutions[$1].recorded.count
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        scan: while index < bytes.endIndex {
            for which in order {
                let recorded = substitutions[which].recorded
                guard occurs(recorded, in: bytes, at: index) else { continue }
                out += substitutions[which].live
                places[which].append(place)
                index += recorded.count
                continue scan
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    /// Whether `value` is at `index` of `bytes` as a token: not preceded or followed by a letter or
    /// digit where the value itself begins or ends with one.
    static func occurs<Bytes: RandomAccessCollection<UInt8>>(_ value: [UInt8], in bytes: Bytes, at index: Int) -> Bool
    where Bytes.Index == Int {
        let end = index + value.count
        guard end <= bytes.endIndex, bytes[index] == value[0] else { return false }
        var offset = 1
        while offset < value.count {
            if bytes[index + offset] != value[offset] { return false }
            offset += 1
        }
        if index > bytes.startIndex, isWord(bytes[index - 1]), isWord(value[0]) { return false }
        if end < bytes.endIndex, isWord(bytes[end]), isWord(value[value.count - 1]) { return false }
        return true
    }

    /// Whether a byte is an ASCII letter or digit.
    package static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// Whether `value` occurs anywhere in `bytes` as a token.
    package static func contains<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ value: [UInt8]) -> Bool
    where Bytes.Index == Int {
        guard !value.isEmpty, bytes.count >= value.count else { return false }
        var index = bytes.startIndex
        let last = bytes.endIndex - value.count
        while index <= last {
            if occurs(value, in: bytes, at: index) { return true }
            index += 1
        }
        return false
    }
}
