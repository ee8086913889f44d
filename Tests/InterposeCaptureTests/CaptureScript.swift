import Foundation
import InterposeCapture
import InterposeCore
import NIOCore

/// Builds the records of recorded connections for tests, remembering what each side sent so the
/// capture can be compared with tshark's view of it.
struct CaptureScript {
    /// What one connection carried.
    struct Connection {
        var id: ConnectionID
        var client: Endpoint
        var listener: Endpoint
        var local: Endpoint?
        var upstream: Endpoint?
        var sent = DirectionBytes()
    }

    struct DirectionBytes {
        var clientToServer: [UInt8] = []
        var serverToClient: [UInt8] = []
        subscript(direction: Direction) -> [UInt8] {
            get { direction == .clientToServer ? clientToServer : serverToClient }
            set {
                if direction == .clientToServer { clientToServer = newValue } else { serverToClient = newValue }
            }
        }
    }

    private(set) var records: [CaptureRecord] = []
    private(set) var connections: [ConnectionID: Connection] = [:]
    /// Advances by 1 µs plus 1 ns per record so every timestamp has nanosecond digits.
    private var clock = Timestamp(nanosecondsSinceEpoch: 1_700_000_000_123_456_789)
    private var generator = SystemRandomNumberGenerator()

    mutating func now() -> Timestamp {
        clock.nanosecondsSinceEpoch += 1_001
        return clock
    }

    mutating func connect(_ id: UInt64, client: String, listener: String, comment: String = "") {
        let connection = Connection(
            id: ConnectionID(id), client: Endpoint(client)!, listener: Endpoint(listener)!)
        connections[connection.id] = connection
        records.append(
            .clientConnected(
                connection.id, client: connection.client, listener: connection.listener, at: now(), comment: comment))
    }

    mutating func connectUpstream(_ id: UInt64, local: String, upstream: String) {
        connections[ConnectionID(id)]!.local = Endpoint(local)!
        connections[ConnectionID(id)]!.upstream = Endpoint(upstream)!
        records.append(
            .upstreamConnected(ConnectionID(id), local: Endpoint(local)!, upstream: Endpoint(upstream)!, at: now()))
    }

    /// Sends `count` random bytes in `direction`, in reads of at most `chunk` bytes.
    mutating func send(_ id: UInt64, _ direction: Direction, count: Int, chunk: Int = 1 << 20) {
        var remaining = count
        while remaining > 0 {
            let size = min(chunk, remaining)
            var bytes = [UInt8](repeating: 0, count: size)
            bytes.withUnsafeMutableBytes { raw in
                var offset = 0
                while offset + 8 <= size {
                    raw.storeBytes(of: generator.next(), toByteOffset: offset, as: UInt64.self)
                    offset += 8
                }
                while offset < size {
                    raw[offset] = UInt8.random(in: 0...255, using: &generator)
                    offset += 1
                }
            }
            send(id, direction, bytes)
            remaining -= size
        }
    }

    mutating func send(_ id: UInt64, _ direction: Direction, _ bytes: [UInt8]) {
        connections[ConnectionID(id)]!.sent[direction] += bytes
        records.append(.data(ConnectionID(id), direction, ByteBuffer(bytes: bytes), at: now()))
    }

    mutating func finish(_ id: UInt64, _ direction: Direction) {
        records.append(.finish(ConnectionID(id), direction, at: now()))
    }

    /// TLS key-log lines learned on the connection.
    mutating func keyLog(_ id: UInt64, _ lines: String) {
        records.append(.tlsKeyLog(ConnectionID(id), ByteBuffer(string: lines)))
    }

    mutating func close(_ id: UInt64, _ end: ConnectionEnd, comment: String = "") {
        records.append(.closed(ConnectionID(id), end, at: now(), comment: comment))
    }

    /// Writes all records through a sink and returns its final statistics (use `.block` to keep every byte).
    func write(to configuration: CaptureSink.Configuration) throws -> CaptureStatistics {
        let sink = try CaptureSink(configuration: configuration)
        for record in records {
            sink.submit(record)
        }
        return sink.close()
    }
}

/// A fresh temporary directory for one test's files.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "interpose-capture-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
