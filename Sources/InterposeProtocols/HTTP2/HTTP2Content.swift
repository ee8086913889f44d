/// HTTP/2 messages as fields and text, from the content the dissector keeps for each stream when
/// asked (replay and `diff`): the decoded header list, the DATA payload and the trailers of one
/// side of a stream, with the request's `:path`.
///
/// HTTP/2 frames of many streams interleave and their header blocks are HPACK-coded against a table
/// the whole connection shares, so a message's bytes cannot be cut from the wire as HTTP/1's are:
/// the dissector, which decodes every block in order, writes each message's parts in the small
/// format of `encode` instead, and this decoder reads them back. A response compares as HTTP/1's
/// does (`status`, `header:NAME`, the body by JSON path or as `body`), plus `trailer:NAME`; a gRPC
/// response (`content-type: application/grpc...`) as `grpc-status`, `grpc-message` and each
/// length-prefixed message decoded from the protobuf wire format (`ProtobufContent`).
enum HTTP2Content {
    /// One side of a stream.
    struct Parts: Equatable {
        /// The request's `:path`, which names the gRPC method.
        var path: String
        /// The first (final) header block, pseudo-header fields included, in order.
        var headers: [HeaderField] = []
        /// The DATA payload, at most `HTTP2Dissector.contentLimit` bytes of it.
        var body: [UInt8] = []
        /// A later header block (trailers).
        var trailers: [HeaderField] = []
        /// Whether `body` stops short of what was sent.
        var truncated = false
    }

    /// One header field.
    struct HeaderField: Equatable {
        var name: String
        var value: String
    }

    /// A gRPC message of a body (1 byte compressed flag, 4 bytes length, the message).
    struct GRPCMessage {
        var compressed: Bool
        var bytes: [UInt8]
        /// The length its prefix announced, when the body ends before it.
        var announced: Int?
    }

    private static let formatVersion: UInt8 = 1

    // MARK: - The kept format

    /// The parts in the kept format: a version byte, a flags byte (bit 0: truncated), then the path,
    /// the headers, the body and the trailers, each length-prefixed (32-bit big-endian).
    static func encode(_ parts: Parts) -> [UInt8] {
        var out: [UInt8] = [formatVersion, parts.truncated ? 1 : 0]
        func length(_ count: Int) {
            let value = UInt32(clamping: count)
            out += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        func bytes<C: Collection<UInt8>>(_ bytes: C) {
            length(bytes.count)
            out += bytes
        }
        func fields(_ fields: [HeaderField]) {
            length(fields.count)
            for field in fields {
                bytes(field.name.utf8)
                bytes(field.value.utf8)
            }
        }
        bytes(parts.path.utf8)
        fields(parts.headers)
        bytes(parts.body)
        fields(parts.trailers)
        return out
    }

    /// Parts read back from `encode`'s format; `nil` for any other bytes.
    static func decode(_ bytes: [UInt8]) -> Parts? {
        guard bytes.count >= 2, bytes[0] == formatVersion else { return nil }
        var index = 2
        func length() -> Int? {
            guard bytes.count - index >= 4 else { return nil }
            let value = bytes[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
            index += 4
            return value
        }
        func chunk() -> ArraySlice<UInt8>? {
            guard let count = length(), bytes.count - index >= count else { return nil }
            defer { index += count }
            return bytes[index..<index + count]
        }
        func fields() -> [HeaderField]? {
            guard let count = length(), count <= bytes.count else { return nil }
            var fields: [HeaderField] = []
            for _ in 0..<count {
                guard let name = chunk(), let value = chunk() else { return nil }
                fields.append(
                    HeaderField(
                        name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
            }
            return fields
        }
        guard let path = chunk(), let headers = fields(), let body = chunk(), let trailers = fields(),
            index == bytes.count
        else { return nil }
        return Parts(
            path: String(decoding: path, as: UTF8.self), headers: headers, body: Array(body), trailers: trailers,
            truncated: bytes[1] & 1 != 0)
    }

    // MARK: - Fields

    /// The fields of a response in the kept format; `nil` for other bytes.
    static func fields(_ bytes: [UInt8], schema: ContentSchema) -> [ContentField]? {
        guard let parts = decode(bytes) else { return nil }
        let status = parts.headers.first { $0.name == ":status" }?.value ?? "?"
        let regular = parts.headers.filter { !$0.name.hasPrefix(":") }
        guard isGRPC(parts) else {
            return HTTP1Content.fields(
                status: status, headers: regular.map { ($0.name, $0.value) }, body: parts.body)
                + trailerFields(parts.trailers)
        }
        let grpcNames: Set<String> = ["grpc-status", "grpc-message"]
        var fields = HTTP1Content.fields(
            status: status, headers: regular.filter { !grpcNames.contains($0.name) }.map { ($0.name, $0.value) },
            body: [])
        // A trailers-only response carries grpc-status in its one header block.
        let statusFields = parts.trailers.isEmpty ? regular : parts.trailers
        for name in ["grpc-status", "grpc-message"] {
            if let value = statusFields.first(where: { $0.name == name })?.value {
                // grpc-status is the call's status class; grpc-message is its text.
                fields.append(
                    ContentField(path: name, value: value, statusClass: name == "grpc-status" ? "grpc-" + value : nil))
            }
        }
        let type = schema.protobuf?.method(parts.path)?.output
        fields += messageFields(parts.body, schema: schema.protobuf, type: type)
        return fields + trailerFields(parts.trailers.filter { !grpcNames.contains($0.name) })
    }

    private static func trailerFields(_ trailers: [HeaderField]) -> [ContentField] {
        ContentField.joiningRepeats(trailers.map { ContentField(path: "trailer:" + $0.name, value: $0.value) })
    }

    /// Each gRPC message's fields: the first under `grpc:`, the next under `grpc[1]:` and so on.
    private static func messageFields(_ body: [UInt8], schema: ProtobufSchema?, type: String?) -> [ContentField] {
        var fields: [ContentField] = []
        for (index, message) in grpcMessages(body).enumerated() {
            let prefix = index == 0 ? "grpc:" : "grpc[\(index)]:"
            if let announced = message.announced {
                fields.append(
                    ContentField(path: prefix + "incomplete", value: "\(message.bytes.count) of \(announced) bytes"))
            } else if message.compressed {
                fields.append(ContentField(path: prefix + "compressed", value: ProtobufContent.quoted(message.bytes)))
            } else if let decoded = ProtobufContent.fields(message.bytes, prefix: prefix, schema: schema, type: type) {
                fields += decoded
            } else {
                fields.append(ContentField(path: prefix + "bytes", value: ProtobufContent.quoted(message.bytes)))
            }
        }
        return fields
    }

    /// The length-prefixed messages of a gRPC body, the last one marked when the body ends inside it.
    static func grpcMessages(_ body: [UInt8]) -> [GRPCMessage] {
        var messages: [GRPCMessage] = []
        var index = 0
        while index < body.count {
            guard body.count - index >= 5 else {
                messages.append(GRPCMessage(compressed: false, bytes: Array(body[index...]), announced: 5))
                break
            }
            let length = body[index + 1..<index + 5].reduce(0) { $0 << 8 | Int($1) }
            let start = index + 5
            let end = min(body.count, start + length)
            messages.append(
                GRPCMessage(
                    compressed: body[index] & 1 != 0, bytes: Array(body[start..<end]),
                    announced: end - start < length ? length : nil))
            index = end
        }
        return messages
    }

    private static func isGRPC(_ parts: Parts) -> Bool {
        parts.headers.first { $0.name == "content-type" }?.value.lowercased().hasPrefix("application/grpc") ?? false
    }

    // MARK: - Text

    /// A request or response in the kept format as text: its header fields one a line (`:status:
    /// 200`), an empty line, the body (gRPC messages decoded, one block each), and the trailers
    /// after another empty line; `nil` for other bytes.
    static func text(_ bytes: [UInt8], isRequest: Bool, schema: ContentSchema) -> String? {
        guard let parts = decode(bytes) else { return nil }
        var text = parts.headers.map { $0.name + ": " + $0.value }.joined(separator: "\n")
        if isGRPC(parts) {
            let method = schema.protobuf?.method(parts.path)
            let type = isRequest ? method?.input : method?.output
            for (index, message) in grpcMessages(parts.body).enumerated() {
                text += "\n\nmessage \(index)"
                if let announced = message.announced {
                    text += " (\(message.bytes.count) of \(announced) bytes)"
                } else if message.compressed {
                    text += " (compressed)\n" + ByteText.escaped(message.bytes)
                } else {
                    let body = ProtobufContent.text(message.bytes, schema: schema.protobuf, type: type)
                    text += body.isEmpty ? " (empty)" : ":\n" + body
                }
            }
        } else if !parts.body.isEmpty {
            text += "\n\n" + (String(validating: parts.body, as: UTF8.self) ?? ByteText.escaped(parts.body))
        }
        if parts.truncated { text += "\n… (body cut at \(parts.body.count) bytes)" }
        if !parts.trailers.isEmpty {
            text += "\n\n" + parts.trailers.map { $0.name + ": " + $0.value }.joined(separator: "\n")
        }
        return text
    }
}
