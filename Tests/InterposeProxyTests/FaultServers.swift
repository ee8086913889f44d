import Foundation
import InterposeTestSupport

/// Small loopback servers for the fault tests: each connection on its own thread.
final class FaultTestServer: @unchecked Sendable {
    let port: UInt16
    private let listener: BlockingSocket

    /// A server that runs `handle` on every accepted connection.
    init(_ handle: @escaping @Sendable (BlockingSocket) -> Void) throws {
        listener = try BlockingSocket.listen()
        port = listener.localPort
        let listener = self.listener
        Thread.detachNewThread {
            while let connection = try? listener.accept(timeout: 30) {
                Thread.detachNewThread { handle(connection) }
            }
        }
    }

    /// Echoes everything until EOF, then closes.
    static func echo() throws -> FaultTestServer {
        try FaultTestServer { socket in
            while let chunk = try? socket.receive(), !chunk.isEmpty {
                try? socket.send(chunk)
            }
            socket.close()
        }
    }

    /// Sends `bytes` at once, then closes.
    static func sending(_ bytes: [UInt8]) throws -> FaultTestServer {
        try FaultTestServer { socket in
            try? socket.send(bytes)
            socket.close()
        }
    }

    func stop() { listener.close() }
}

/// Milliseconds since `start`.
func milliseconds(since start: Date) -> Double { Date().timeIntervalSince(start) * 1000 }

/// Round trips of one byte through `socket`, in milliseconds.
func roundTrips(_ socket: BlockingSocket, count: Int) throws -> [Double] {
    try (0..<count).map { _ in
        let start = Date()
        try socket.send([0x2a])
        _ = try socket.receive(exactly: 1)
        return milliseconds(since: start)
    }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
