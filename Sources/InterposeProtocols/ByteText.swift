/// Bytes written as text for fields and for people: escaped where they are not printable, cut with
/// a length and a hash where they are long, quoted the way redis-cli and JSON quote strings.
///
/// Hand-written: the escaping (`\x00`, redis-cli's `sdscatrepr` style) and the hash are a few lines
/// each and no Foundation API writes bytes this way.
package enum ByteText {
    /// Values longer than this many bytes are written as a prefix, their length and their hash.
    package static let inlineLimit = 4096
    /// Characters kept of a value longer than `inlineLimit`.
    package static let prefixCharacters = 200

    /// The bytes as text: valid UTF-8 kept, control characters and invalid bytes as `\n`, `\x00`.
    package static func escaped<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        if let text = String(validating: bytes, as: UTF8.self) {
            for scalar in text.unicodeScalars {
                appendEscaped(scalar, to: &out)
            }
            return out
        }
        for byte in bytes {
            if byte < 0x80 {
                appendEscaped(Unicode.Scalar(byte), to: &out)
            } else {
                out += "\\x" + hex(byte)
            }
        }
        return out
    }

    /// The bytes as a field value: the text (UTF-8 kept as it is when `keepText`, else escaped) or,
    /// over `inlineLimit` bytes, its first 200 characters and `… (N bytes, fnv1a 0x…)` so that a
    /// change anywhere in the bytes still changes the value.
    package static func value<Bytes: Collection<UInt8>>(_ bytes: Bytes, keepText: Bool = false) -> String {
        let text: String
        if keepText, let valid = String(validating: bytes, as: UTF8.self) {
            text = valid
        } else {
            text = escaped(bytes)
        }
        guard bytes.count > inlineLimit else { return text }
        return String(text.prefix(prefixCharacters)) + "… (\(bytes.count) bytes, fnv1a 0x\(hex64(fnv1a(bytes))))"
    }

    /// The bytes in double quotes like redis-cli and JSON write strings: `"`, `\` and control
    /// characters escaped, invalid UTF-8 as `\xff`.
    package static func quoted<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var out = "\""
        if let text = String(validating: bytes, as: UTF8.self) {
            for scalar in text.unicodeScalars {
                appendQuoted(scalar, to: &out)
            }
        } else {
            for byte in bytes {
                if byte < 0x80 {
                    appendQuoted(Unicode.Scalar(byte), to: &out)
                } else {
                    out += "\\x" + hex(byte)
                }
            }
        }
        return out + "\""
    }

    /// A string in JSON quotes (RFC 8259 section 7).
    package static func quoted(_ text: String) -> String {
        quoted(Array(text.utf8))
    }

    /// At most `limit` characters of `text`, with `… (N bytes)` when cut.
    package static func cut(_ text: String, limit: Int, totalBytes: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(0, limit))) + "… (\(totalBytes) bytes)"
    }

    /// 64-bit FNV-1a of the bytes: stable across processes, unlike Swift's seeded `Hasher`.
    package static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        return value
    }

    /// Two lowercase hex digits.
    package static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// Sixteen lowercase hex digits.
    package static func hex64(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\x" + hex(UInt8(scalar.value))
        default: out.unicodeScalars.append(scalar)
        }
    }

    private static func appendQuoted(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\"": out += "\\\""
        default: appendEscaped(scalar, to: &out)
        }
    }
}
