import InterposeCore
import InterposeProtocols
import NIOCore
import XCTest

/// The credential locators of each protocol, driven through `CredentialRedactor` without sockets:
/// the secret's bytes become `*`, every other byte and every length stays, whatever the read sizes.
final class CredentialRedactorTests: XCTestCase {
    /// One direction's bytes, fed in `chunk`-byte reads, in turn with the other direction's.
    private struct Turn {
        var direction: Direction
        var bytes: [UInt8]
    }

    private func run(
        _ turns: [Turn], port: UInt16, chunk: Int
    ) -> (bytes: DirectionPair<[UInt8]>, rules: [String], alreadyRecorded: [String]) {
        var redactor = CredentialRedactor(detector: ProtocolDetector(), serverPort: port)
        var out = DirectionPair<[UInt8]>(repeating: [])
        var rules: [String] = []
        var early: [String] = []
        for turn in turns {
            var index = 0
            while index < turn.bytes.count {
                let end = min(index + chunk, turn.bytes.count)
                let input = ByteBuffer(bytes: turn.bytes[index..<end])
                let result = redactor.redact(input, direction: turn.direction)
                XCTAssertEqual(result.bytes.readableBytes, end - index)
                XCTAssertEqual(input, ByteBuffer(bytes: turn.bytes[index..<end]), "the buffer given is never changed")
                out[turn.direction] += Array(result.bytes.readableBytesView)
                rules += result.rules.filter { !rules.contains($0) }
                early += result.alreadyRecorded
                index = end
            }
        }
        return (out, rules, early)
    }

    private func stars(_ text: String) -> String { String(repeating: "*", count: text.utf8.count) }

    private func redis(_ words: String...) -> String {
        "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    // MARK: HTTP/1

    func testHTTPHeaderValuesAreStarredInEveryRequestAndResponseWhateverTheReadSizes() {
        let requests =
            "GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpzZWNyZXQ=\r\ncookie:  sid=abc123\r\n\r\n"
            + "POST /b HTTP/1.1\r\nContent-Length: 4\r\nPROXY-AUTHORIZATION: Bearer tok.en\r\n\r\nbody"
        let responses = "HTTP/1.1 200 OK\r\nSet-Cookie: sid=zzz; HttpOnly\r\nContent-Length: 0\r\n\r\n"
        let expectedRequests =
            "GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: \(stars("Basic dXNlcjpzZWNyZXQ="))\r\ncookie:  \(stars("sid=abc123"))\r\n\r\n"
            + "POST /b HTTP/1.1\r\nContent-Length: 4\r\nPROXY-AUTHORIZATION: \(stars("Bearer tok.en"))\r\n\r\nbody"
        let expectedResponses =
            "HTTP/1.1 200 OK\r\nSet-Cookie: \(stars("sid=zzz; HttpOnly"))\r\nContent-Length: 0\r\n\r\n"
        for chunk in [1, 2, 7, 64, Int.max] {
            let result = run(
                [
                    Turn(direction: .clientToServer, bytes: Array(requests.utf8)),
                    Turn(direction: .serverToClient, bytes: Array(responses.utf8)),
                ],
                port: 8080, chunk: chunk)
            XCTAssertEqual(
                String(decoding: result.bytes.clientToServer, as: UTF8.self), expectedRequests, "chunk \(chunk)")
            XCTAssertEqual(String(decoding: result.bytes.serverToClient, as: UTF8.self), expectedResponses)
            XCTAssertEqual(
                result.rules,
                [
                    "http Authorization header", "http Cookie header", "http Proxy-Authorization header",
                    "http Set-Cookie header",
                ])
            XCTAssertEqual(result.alreadyRecorded, [])
        }
    }

    func testHTTPHeadersThatCarryNoCredentialAreKept() {
        let request = "GET / HTTP/1.1\r\nX-Authorization-Hint: a\r\nCookies: b\r\nAuthorization-X: c\r\n\r\n"
        let result = run([Turn(direction: .clientToServer, bytes: Array(request.utf8))], port: 80, chunk: 3)
        XCTAssertEqual(String(decoding: result.bytes.clientToServer, as: UTF8.self), request)
        XCTAssertEqual(result.rules, [])
    }

    // MARK: Redis

    func testRedisAuthAndHelloAuthArgumentsAreStarredAndOtherCommandsKept() {
        let commands =
            redis("AUTH", "pw1") + redis("auth", "alice", "pw22") + redis("SET", "AUTH", "value")
            + redis("HELLO", "3", "AUTH", "bob", "pw333", "SETNAME", "conn") + "AUTH inlinepw\r\n"
            + redis("GET", "k")
        let expected =
            redis("AUTH", "***") + redis("auth", "*****", "****") + redis("SET", "AUTH", "value")
            + redis("HELLO", "3", "AUTH", "***", "*****", "SETNAME", "conn") + "AUTH ********\r\n"
            + redis("GET", "k")
        for chunk in [1, 3, 10, Int.max] {
            let result = run(
                [
                    Turn(direction: .clientToServer, bytes: Array(commands.utf8)),
                    Turn(direction: .serverToClient, bytes: Array("+OK\r\n+OK\r\n+OK\r\n".utf8)),
                ],
                port: 6379, chunk: chunk)
            XCTAssertEqual(String(decoding: result.bytes.clientToServer, as: UTF8.self), expected, "chunk \(chunk)")
            XCTAssertEqual(String(decoding: result.bytes.serverToClient, as: UTF8.self), "+OK\r\n+OK\r\n+OK\r\n")
            XCTAssertEqual(result.rules, ["redis AUTH argument", "redis HELLO AUTH argument"])
        }
    }

    // MARK: PostgreSQL

    private func u32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(value >> (24 - 8 * $0) & 0xFF) } }
    private func message(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        [type.asciiValue!] + u32(body.count + 4) + body
    }
    private func startup() -> [UInt8] {
        let body = u32(196_608) + Array("user\0alice\0database\0db\0\0".utf8)
        return u32(body.count + 4) + body
    }
    private func authentication(_ code: Int, _ rest: [UInt8] = []) -> [UInt8] { message("R", u32(code) + rest) }

    func testPostgresMD5PasswordMessageBodyIsStarred() {
        let password = Array("md5d41d8cd98f00b204e9800998ecf8427e\0".utf8)
        let query = message("Q", Array("SELECT 'md5'\0".utf8))
        for chunk in [1, 5, Int.max] {
            let result = run(
                [
                    Turn(direction: .clientToServer, bytes: startup()),
                    Turn(direction: .serverToClient, bytes: authentication(5, [1, 2, 3, 4])),
                    Turn(direction: .clientToServer, bytes: message("p", password) + query),
                    Turn(direction: .serverToClient, bytes: authentication(0)),
                ],
                port: 5432, chunk: chunk)
            XCTAssertEqual(
                result.bytes.clientToServer,
                startup() + message("p", [UInt8](repeating: 0x2A, count: password.count - 1) + [0]) + query,
                "chunk \(chunk)")
            XCTAssertEqual(result.rules, ["postgres PasswordMessage"])
        }
    }

    func testPostgresSCRAMKeepsTheMechanismAndLengthAndStarsTheData() {
        let first = Array("n,,n=,r=clientnonce".utf8)
        let final = Array("c=biws,r=clientnonceserver,p=proofproofproof=".utf8)
        let initial = Array("SCRAM-SHA-256\0".utf8) + u32(first.count) + first
        let result = run(
            [
                Turn(direction: .clientToServer, bytes: u32(8) + u32(80_877_103)),
                Turn(direction: .serverToClient, bytes: Array("N".utf8)),
                Turn(direction: .clientToServer, bytes: startup()),
                Turn(direction: .serverToClient, bytes: authentication(10, Array("SCRAM-SHA-256\0\0".utf8))),
                Turn(direction: .clientToServer, bytes: message("p", initial)),
                Turn(direction: .serverToClient, bytes: authentication(11, Array("r=clientnonceserver".utf8))),
                Turn(direction: .clientToServer, bytes: message("p", final)),
            ],
            port: 5432, chunk: 4)
        XCTAssertEqual(
            result.bytes.clientToServer,
            u32(8) + u32(80_877_103) + startup()
                + message(
                    "p", Array("SCRAM-SHA-256\0".utf8) + u32(first.count) + [UInt8](repeating: 0x2A, count: first.count)
                )
                + message("p", [UInt8](repeating: 0x2A, count: final.count)))
        XCTAssertEqual(result.rules, ["postgres SASLInitialResponse data", "postgres SASLResponse"])
    }

    func testPostgresAfterAnAcceptedSSLRequestNothingIsTouched() {
        let tlsBytes: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 0x70, 0x00, 0x00, 0x00, 0x09]
        let result = run(
            [
                Turn(direction: .clientToServer, bytes: u32(8) + u32(80_877_103)),
                Turn(direction: .serverToClient, bytes: Array("S".utf8)),
                Turn(direction: .clientToServer, bytes: tlsBytes),
            ],
            port: 5432, chunk: 1)
        XCTAssertEqual(result.bytes.clientToServer, u32(8) + u32(80_877_103) + tlsBytes)
        XCTAssertEqual(result.rules, [])
    }

    // MARK: MQTT

    private func mqttConnect(level: UInt8, will: Bool, password: String) -> [UInt8] {
        var flags: UInt8 = 0xC2
        if will { flags |= 0x04 }
        var body = MQTTBytes.string("MQTT") + [level, flags] + TLSBytes.u16(60)
        if level == 5 { body += MQTTBytes.properties([0x11, 0, 0, 0, 10]) }
        body += MQTTBytes.string("client-1")
        if will {
            if level == 5 { body += MQTTBytes.properties([]) }
            body += MQTTBytes.string("last/will") + MQTTBytes.string("gone")
        }
        body += MQTTBytes.string("alice") + MQTTBytes.string(password)
        return MQTTBytes.packet(1, body)
    }

    func testMQTTConnectPasswordIsStarredInEveryVersion() {
        let publish = MQTTBytes.packet(3, MQTTBytes.string("t") + Array("hunter2".utf8))
        for (level, will) in [(UInt8(4), false), (4, true), (5, false), (5, true)] {
            let result = run(
                [
                    Turn(
                        direction: .clientToServer,
                        bytes: mqttConnect(level: level, will: will, password: "hunter2") + publish)
                ],
                port: 1883, chunk: Int.max)
            XCTAssertEqual(
                result.bytes.clientToServer,
                mqttConnect(level: level, will: will, password: "*******") + publish, "level \(level) will \(will)")
            XCTAssertEqual(result.rules, ["mqtt CONNECT password"])
            XCTAssertEqual(result.alreadyRecorded, [])
        }
    }

    func testMQTTPasswordSplitAcrossReadsSaysWhatWasAlreadyRecorded() {
        let connect = mqttConnect(level: 4, will: false, password: "hunter2")
        // The reads end inside the password: its first bytes went to the capture before CONNECT was whole.
        let result = run([Turn(direction: .clientToServer, bytes: connect)], port: 1883, chunk: connect.count - 3)
        XCTAssertEqual(result.bytes.clientToServer, connect.dropLast(3) + Array("***".utf8))
        XCTAssertEqual(result.alreadyRecorded, ["mqtt CONNECT password"])
        XCTAssertEqual(MQTTCredentialLocator.passwordRange(connect: connect), (connect.count - 7)..<connect.count)
    }

    func testProtocolsWithoutALocatorAreRecordedAsTheyAre() {
        let bytes = Array("SSH-2.0-OpenSSH_9.6\r\nAuthorization: x\r\n".utf8)
        let result = run([Turn(direction: .clientToServer, bytes: bytes)], port: 22, chunk: 5)
        XCTAssertEqual(result.bytes.clientToServer, bytes)
    }
}
