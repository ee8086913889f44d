import Foundation
import InterposeTestSupport
import XCTest

/// `interpose proxy --capture` keeps credentials out of the file by default: real clients log in
/// through the proxy (curl, redis-cli, psql, mosquitto_pub), and the secret's bytes are nowhere in
/// the capture, while the same session with `--no-redact` has them. Either way tshark reads the
/// file without malformed packets and `interpose analyze` counts the same messages.
final class ProxyRedactionTests: XCTestCase {
    private var tempDir: URL!

    override func setUpWithError() throws {
        tempDir = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-redact-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tempDir)
    }

    /// What one proxy run recorded.
    private struct Recorded {
        var path: String
        var bytes: Data
        var stderr: String
        var comments: [String]
        var messages: [Int]
    }

    /// Runs `session` through a proxy in front of `upstream` port, with or without `--no-redact`.
    private func record(
        _ name: String, dissector: String, upstream: UInt16, redact: Bool, session: (UInt16) throws -> Void
    ) throws -> Recorded {
        let path = tempDir.appendingPathComponent("\(name)-\(redact ? "redacted" : "kept").pcapng").path
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(upstream)", extra: ["--capture", path] + (redact ? [] : ["--no-redact"]))
        try session(proxy.port)
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        XCTAssertEqual(try TShark.problemPackets(file: path), [], "\(name): tshark reads it cleanly")
        // The listener is no well-known port: ask tshark to dissect the protocol there too.
        let malformed = try TShark.run(
            [
                "-r", path, "-d", "tcp.port==\(proxy.port),\(dissector)", "-Y",
                "_ws.malformed || _ws.expert.severity >= error",
            ])
        XCTAssertEqual(malformed.trimmingCharacters(in: .whitespacesAndNewlines), "", "\(name) as \(dissector)")
        let dissected = try TShark.run(["-r", path, "-d", "tcp.port==\(proxy.port),\(dissector)", "-Y", dissector])
        XCTAssertFalse(dissected.isEmpty, "tshark dissects \(name) as \(dissector)")
        let comments = try TShark.fields(file: path, filter: "frame.comment", fields: ["frame.comment"])
            .map { $0.joined() }
        let analysis = try ProcessRunner.run(InterposeBinary.path, ["analyze", "--json", path], timeout: 60)
        XCTAssertEqual(analysis.status, 0, analysis.stderrText)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: analysis.stdout) as? [String: Any])
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        return Recorded(
            path: path, bytes: try Data(contentsOf: URL(fileURLWithPath: path)), stderr: proxy.background.stderrText,
            comments: comments, messages: connections.compactMap { $0["messages"] as? Int })
    }

    /// Records `session` both ways and checks what every protocol must keep.
    private func compare(
        _ name: String, dissector: String, upstream: UInt16, secrets: [String], rules: [String],
        session: (UInt16) throws -> Void
    ) throws -> (redacted: Recorded, kept: Recorded) {
        let redacted = try record(name, dissector: dissector, upstream: upstream, redact: true, session: session)
        let kept = try record(name, dissector: dissector, upstream: upstream, redact: false, session: session)
        for secret in secrets {
            XCTAssertNil(redacted.bytes.range(of: Data(secret.utf8)), "\(name): '\(secret)' is in the capture")
            XCTAssertNotNil(kept.bytes.range(of: Data(secret.utf8)), "\(name): --no-redact keeps '\(secret)'")
        }
        for rule in rules {
            XCTAssertTrue(redacted.comments.contains { $0.contains("redacted: \(rule)") }, "\(redacted.comments)")
        }
        XCTAssertFalse(kept.comments.contains { $0.contains("redacted:") }, "\(kept.comments)")
        XCTAssertFalse(redacted.stderr.contains("--no-redact"), redacted.stderr)
        XCTAssertEqual(
            kept.stderr.components(separatedBy: "\n").filter { $0.contains("warning: --no-redact") }.count, 1,
            kept.stderr)
        XCTAssertFalse(redacted.messages.isEmpty)
        XCTAssertEqual(redacted.messages, kept.messages, "\(name): analyze counts the same messages")
        return (redacted, kept)
    }

    func testCurlBasicAuthBearerTokenAndCookiesAreNotRecorded() throws {
        let nginx = try NginxServer()
        let basic = Data("alice:s3cret-basic".utf8).base64EncodedString()
        _ = try compare(
            "http", dissector: "http", upstream: nginx.port, secrets: [basic, "tok-Bearer-98765", "sid=cookie-4242"],
            rules: ["http Authorization header", "http Cookie header"]
        ) { port in
            for arguments in [
                ["-u", "alice:s3cret-basic"],
                ["-H", "Authorization: Bearer tok-Bearer-98765", "-b", "sid=cookie-4242"],
            ] {
                let curl = try ProcessRunner.run(
                    "curl",
                    ["-sS", "-o", "/dev/null", "-w", "%{http_code}"] + arguments
                        + ["http://127.0.0.1:\(port)/index.html"], timeout: 30)
                XCTAssertEqual(curl.stdoutText, "200", curl.stderrText)
            }
        }
    }

    func testRedisCLIPasswordIsNotRecorded() throws {
        let password = "redis-pw-31337"
        let redis = try RedisServer(arguments: ["--requirepass", password])
        _ = try compare(
            "redis", dissector: "resp", upstream: redis.port, secrets: [password],
            rules: ["redis AUTH argument", "redis HELLO AUTH argument"]
        ) { port in
            let cli = try ProcessRunner.run(
                "redis-cli", ["-p", "\(port)", "-a", password, "--no-auth-warning", "SET", "k", "v"], timeout: 20)
            XCTAssertEqual(cli.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "OK", cli.stderrText)
            let hello = try ProcessRunner.run(
                "redis-cli", ["-p", "\(port)", "HELLO", "3", "AUTH", "default", password], timeout: 20)
            XCTAssertTrue(hello.stdoutText.contains("redis"), hello.stdoutText + hello.stderrText)
        }
    }

    /// The bodies of the client's `p` messages in a recorded PostgreSQL conversation's first stream.
    private func passwordBodies(_ path: String) throws -> [[UInt8]] {
        let client = try TShark.followTCP(file: path, stream: 0).fromNode0
        func integer(_ at: Int) -> Int { client[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        var index = integer(0)
        var bodies: [[UInt8]] = []
        while index + 5 <= client.count {
            let length = integer(index + 1)
            if client[index] == UInt8(ascii: "p") { bodies.append(Array(client[(index + 5)..<(index + 1 + length)])) }
            index += 1 + length
        }
        return bodies
    }

    private func psql(_ port: UInt16, password: String) throws {
        let result = try ProcessRunner.run(
            "psql",
            ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-X", "-At", "-c", "SELECT 40 + 2", "postgres"],
            timeout: 30, environment: ["PGPASSWORD": password, "PGSSLMODE": "disable"])
        XCTAssertEqual(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "42", result.stderrText)
    }

    func testPsqlMD5PasswordMessageIsNotRecorded() throws {
        let password = "pg-md5-pw-777"
        let server = try PostgresServer(authentication: .md5(password: password))
        let (redacted, kept) = try compare(
            "postgres-md5", dissector: "pgsql", upstream: server.port, secrets: [], rules: ["postgres PasswordMessage"]
        ) { try psql($0, password: password) }
        let keptBodies = try passwordBodies(kept.path)
        XCTAssertEqual(keptBodies.count, 1)
        XCTAssertTrue(keptBodies.first.map { $0.starts(with: Array("md5".utf8)) } ?? false, "\(keptBodies)")
        let bodies = try passwordBodies(redacted.path)
        XCTAssertEqual(bodies.map(\.count), keptBodies.map(\.count))
        XCTAssertEqual(bodies.first.map { Set($0.dropLast()) }, [0x2A], "\(bodies)")
        XCTAssertEqual(bodies.first?.last, 0, "the password's NUL terminator stays")
    }

    func testPsqlSCRAMExchangeIsNotRecorded() throws {
        let password = "pg-scram-pw-888"
        let server = try PostgresServer(authentication: .scram(password: password))
        let (redacted, kept) = try compare(
            "postgres-scram", dissector: "pgsql", upstream: server.port, secrets: [],
            rules: ["postgres SASLInitialResponse data", "postgres SASLResponse"]
        ) { try psql($0, password: password) }
        let keptBodies = try passwordBodies(kept.path)
        XCTAssertEqual(keptBodies.count, 2, "SASLInitialResponse and SASLResponse")
        let proof = try XCTUnwrap(keptBodies.last)
        XCTAssertTrue(String(decoding: proof, as: UTF8.self).contains(",p="), "the client proof")
        let bodies = try passwordBodies(redacted.path)
        XCTAssertEqual(bodies.map(\.count), keptBodies.map(\.count))
        let mechanism = Array("SCRAM-SHA-256\0".utf8)
        XCTAssertEqual(bodies.first.map { Array($0.prefix(mechanism.count)) }, mechanism)
        XCTAssertEqual(bodies.first.map { Set($0.dropFirst(mechanism.count + 4)) }, [0x2A])
        XCTAssertEqual(bodies.last.map { Set($0) }, [0x2A])
    }

    func testMosquittoPubPasswordIsNotRecorded() throws {
        let password = "mqtt-pw-5150"
        let directory = tempDir.appendingPathComponent("mosquitto").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwd = try ProcessRunner.run(
            try ProcessRunner.require("mosquitto_passwd", package: "mosquitto"),
            ["-b", "-c", directory + "/passwd", "alice", password], timeout: 20)
        XCTAssertEqual(passwd.status, 0, passwd.stderrText)
        let port = FreePort.next()
        let configuration = """
            listener \(port) 127.0.0.1
            allow_anonymous false
            password_file \(directory)/passwd
            persistence false
            """
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: directory + "/mosquitto.conf"))
        let broker = try BackgroundProcess(
            try ProcessRunner.require("mosquitto", package: "mosquitto"), ["-c", directory + "/mosquitto.conf"])
        defer { broker.stop() }
        XCTAssertTrue(BlockingSocket.waitForListener(port: port), broker.stderrText)
        _ = try compare(
            "mqtt", dissector: "mqtt", upstream: port, secrets: [password], rules: ["mqtt CONNECT password"]
        ) { proxyPort in
            let publish = try ProcessRunner.run(
                try ProcessRunner.require("mosquitto_pub", package: "mosquitto-clients"),
                ["-h", "127.0.0.1", "-p", "\(proxyPort)", "-u", "alice", "-P", password, "-t", "t", "-m", "hello"],
                timeout: 20)
            XCTAssertEqual(publish.status, 0, publish.stderrText)
        }
    }
}
