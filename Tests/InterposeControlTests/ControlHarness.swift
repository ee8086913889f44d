import Foundation
import InterposeCapture
import InterposeControl
import InterposeCore
import InterposeTestSupport
import Logging
import NIOCore
import XCTest

/// A registry and its control API on a free loopback port, in this process, spoken to over real
/// HTTP with curl; stopped by `stop()` (tests call it in a `defer`).
final class ControlHarness: @unchecked Sendable {
    let registry: ProxyRegistry
    let port: Int
    let token: String?
    private let task: Task<Void, Error>

    /// An HTTP answer.
    struct Answer {
        var status: Int
        var body: String

        /// The body as JSON.
        func json() throws -> Any {
            try JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])
        }
        func object() throws -> [String: Any] { try XCTUnwrap(try json() as? [String: Any], body) }
        func array() throws -> [[String: Any]] { try XCTUnwrap(try json() as? [[String: Any]], body) }
    }

    init(settings: ProxyRegistry.Settings = .init(), token: String? = nil) async throws {
        var logger = Logger(label: "control-test")
        logger.logLevel = .warning
        let registry = ProxyRegistry(settings: settings, logger: logger)
        self.registry = registry
        self.token = token
        let server = try ControlServer(
            endpoint: ControlEndpoint(address: HostPort(host: "127.0.0.1", port: 0), token: token),
            registry: registry, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        task = Task {
            defer { continuation.finish() }
            try await server.run { address in continuation.yield(address.port ?? 0) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw ControlStartError("control API did not start")
        }
        self.port = port
    }

    /// Stops the API and every proxy.
    func stop() async {
        task.cancel()
        _ = await task.result
        _ = await registry.shutdown(grace: .zero)
    }

    /// One request with curl: method, path, optional JSON body, the token unless `authorize` is false.
    func request(
        _ method: String, _ path: String, _ body: String? = nil, authorize: Bool = true, headers: [String] = []
    ) throws -> Answer {
        var arguments = ["-s", "-S", "--max-time", "10", "-X", method, "-w", "\n%{http_code}"]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        if authorize, let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        arguments.append("http://127.0.0.1:\(port)\(path)")
        let result = try ProcessRunner.run("curl", arguments, timeout: 15)
        XCTAssertEqual(result.status, 0, "curl \(method) \(path): \(result.stderrText)")
        var text = result.stdoutText
        let statusLine = text.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
        text.removeLast(statusLine.count)
        if text.hasSuffix("\n") { text.removeLast() }
        return Answer(status: Int(statusLine) ?? -1, body: text)
    }

    /// The port a proxy listens on, from its `listen`.
    func listenPort(_ name: String) throws -> UInt16 {
        let listen = try XCTUnwrap(try request("GET", "/proxies/\(name)").object()["listen"] as? String)
        return try XCTUnwrap(UInt16(listen.split(separator: ":").last ?? ""))
    }
}

/// redis-cli against a port.
func redisCLI(_ port: UInt16, _ args: [String]) throws -> ProcessRunner.Result {
    try ProcessRunner.run("redis-cli", ["-p", "\(port)"] + args, timeout: 20)
}
