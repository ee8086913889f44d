import InterposeReplay
import InterposeTestSupport
import XCTest

/// Replies of a real redis-server, read from a plain socket, decoded into fields.
final class RedisRealServerTests: XCTestCase {
    private var server: RedisServer?

    override func tearDown() {
        server?.stop()
    }

    /// Sends one command and reads until the reply is complete (its fields stop being a `bytes`
    /// field of a half-read reply).
    private func reply(_ socket: BlockingSocket, _ words: [String]) throws -> [UInt8] {
        var command = "*\(words.count)\r\n"
        for word in words { command += "$\(word.utf8.count)\r\n\(word)\r\n" }
        try socket.send(command)
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            bytes += try socket.receive()
            if let fields = ContentDecoder.fields(ofResponse: bytes, application: .redis), fields.first?.path != "bytes"
            {
                return bytes
            }
        }
        XCTFail("no complete reply to \(words): \(bytes)")
        return bytes
    }

    private func fields(_ bytes: [UInt8]) -> [String] {
        (ContentDecoder.fields(ofResponse: bytes, application: .redis) ?? []).map { "\($0.path)=\($0.value)" }
    }

    func testRealRepliesDecode() throws {
        let server = try RedisServer()
        self.server = server
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        XCTAssertEqual(
            fields(try reply(socket, ["HSET", "user:1", "name", "bob", "age", "42"])), ["reply=(integer) 2"])
        XCTAssertEqual(
            fields(try reply(socket, ["HGETALL", "user:1"])),
            [#"reply[0]="name""#, #"reply[1]="bob""#, #"reply[2]="age""#, #"reply[3]="42""#])
        XCTAssertEqual(fields(try reply(socket, ["GET", "missing"])), ["reply=(nil)"])
        let unknown = fields(try reply(socket, ["NOSUCHCOMMAND", "x"]))
        XCTAssertEqual(unknown.count, 1)
        XCTAssertTrue(unknown[0].hasPrefix("error=ERR unknown command 'NOSUCHCOMMAND'"), unknown[0])
        XCTAssertEqual(fields(try reply(socket, ["LRANGE", "nolist", "0", "-1"])), ["reply=(empty array)"])
        // RESP3: HGETALL is a map.
        let hello = fields(try reply(socket, ["HELLO", "3"]))
        XCTAssertTrue(hello.contains("reply.proto=(integer) 3"), "\(hello)")
        XCTAssertTrue(hello.contains("reply.server=\"redis\""), "\(hello)")
        XCTAssertEqual(fields(try reply(socket, ["HGETALL", "user:1"])), [#"reply.name="bob""#, #"reply.age="42""#])
    }
}
