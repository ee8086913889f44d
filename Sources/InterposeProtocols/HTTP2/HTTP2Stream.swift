import InterposeCore

/// One HTTP/2 stream the client opened (RFC 9113 5.1), as far as the dissector follows it: the
/// request (method, path, body) until the client's END_STREAM, the response (status, body,
/// trailers) until the server's, and the flow-control windows of both senders.
struct HTTP2Stream {
    var id: UInt32
    /// The request's message index, taken at its first HEADERS.
    var requestIndex: Int
    var method: String
    var path: String
    var key: String
    var isGRPC: Bool
    var requestStart: Timestamp
    var requestBytes: Int64 = 0
    var requestBodyBytes: Int64 = 0
    var fingerprint = FNV1a()
    var requestMessages = GRPCMessageCounter()
    /// The client sent END_STREAM (or the request was read as HTTP/1.1 before an h2c upgrade).
    var clientClosed = false
    var requestEmitted = false

    /// The response's message index, taken at its first (final) HEADERS.
    var responseIndex: Int?
    var responseStart: Timestamp?
    var statusCode: Int?
    var grpcStatus: Int?
    var grpcMessage: String?
    var responseBytes: Int64 = 0
    var responseMessages = GRPCMessageCounter()
    /// The response's DATA payload, for `interpose diff`.
    var responseContent = ContentHash()
    var serverClosed = false
    /// The request's header fields and body, kept only when the dissector keeps content.
    var requestParts: HTTP2Content.Parts?
    /// The response's header fields, body and trailers, kept only when the dissector keeps content.
    var responseParts: HTTP2Content.Parts?

    /// What the client may still send on the stream (the server's window for it).
    var clientWindow: Int64
    /// What the server may still send on the stream.
    var serverWindow: Int64

    /// Whether the stream's half for `direction` is still open.
    func isOpen(_ direction: Direction) -> Bool {
        direction == .clientToServer ? !clientClosed : !serverClosed
    }

    /// The send window of `direction` on this stream.
    func window(_ direction: Direction) -> Int64 {
        direction == .clientToServer ? clientWindow : serverWindow
    }

    mutating func addWindow(_ delta: Int64, for direction: Direction) {
        if direction == .clientToServer { clientWindow += delta } else { serverWindow += delta }
    }

    mutating func addBytes(_ count: Int, for direction: Direction) {
        if direction == .clientToServer { requestBytes += Int64(count) } else { responseBytes += Int64(count) }
    }
}
