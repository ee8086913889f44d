import NIOCore

/// The bytes a direction's parser works through: the part of an unfinished head or line kept from
/// earlier frames, joined to the new frame only when there is such a part.
///
/// Bodies are skipped in place and never copied; only an unfinished head or line is kept, and never
/// more than the parser's limit, so memory per direction stays bounded.
struct StreamCursor {
    /// The unfinished head or line kept from earlier frames.
    private var kept: ByteBuffer?

    /// The bytes to parse: the kept part followed by `incoming`.
    mutating func begin(with incoming: ByteBuffer) -> ByteBuffer {
        guard var kept, kept.readableBytes > 0 else { return incoming }
        var incoming = incoming
        kept.writeBuffer(&incoming)
        self.kept = nil
        return kept
    }

    /// Keeps what was not parsed for the next frame.
    mutating func keep(_ rest: ByteBuffer) {
        kept = rest.readableBytes > 0 ? rest : nil
    }

    /// How many bytes are kept.
    var keptBytes: Int { kept?.readableBytes ?? 0 }

    /// Drops what is kept.
    mutating func reset() { kept = nil }
}

extension ByteBuffer {
    /// The offset (from the reader index) just past the first `\n`, or `nil` when there is none.
    func lineLength(limit: Int) -> Int? {
        withUnsafeReadableBytes { bytes in
            let end = Swift.min(bytes.count, limit)
            var index = 0
            while index < end {
                if bytes[index] == 0x0A { return index + 1 }
                index += 1
            }
            return nil
        }
    }

    /// The offset just past the first empty line (`\r\n\r\n` or `\n\n`), or `nil`.
    func headLength(limit: Int) -> Int? {
        withUnsafeReadableBytes { bytes in
            let end = Swift.min(bytes.count, limit)
            var index = 0
            while index < end {
                if bytes[index] == 0x0A {
                    if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return index + 2 }
                    if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index + 3 }
                }
                index += 1
            }
            return nil
        }
    }

    /// Reads a line and returns it without its `\r\n` or `\n`, as Latin-1 text (lossless for bytes).
    mutating func readLine(length: Int) -> String {
        let bytes = readBytes(length: length) ?? []
        var end = bytes.count
        if end > 0, bytes[end - 1] == 0x0A { end -= 1 }
        if end > 0, bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
