import Foundation
import InterposeTestSupport
import XCTest

/// Correct PostgreSQL use that the checks once called errors, through `interpose proxy --check` in
/// front of a real PostgreSQL: a session the server ends with `FATAL 57P01` (another session's
/// `pg_terminate_backend`), and an extended-query `COPY ... FROM STDIN` whose Sync the server
/// ignores during copy-in. Neither is an error, live or offline.
final class QuietChecksPostgresTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-quiet-pg-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func psql(_ port: UInt16, _ sql: String) throws -> ProcessRunner.Result {
        try ProcessRunner.run(
            "psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-X", "-At", "-d", "postgres", "-c", sql],
            timeout: 30)
    }

    /// The frontend protocol by hand: startup, then Parse/Bind/Execute/Sync of a COPY FROM STDIN sent
    /// in one write (the Sync arrives during copy-in and is ignored), then the data, CopyDone and
    /// the Sync that ends the unit.
    private static let extendedCopy = #"""
        import socket, struct, sys
        def msg(t, body): return t + struct.pack("!I", len(body) + 4) + body
        def until(s, kind):
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: raise SystemExit("closed before " + kind.decode())
                data += chunk
                i = 0
                while i + 5 <= len(data):
                    t = data[i:i+1]; n = struct.unpack("!I", data[i+1:i+5])[0]
                    if i + 1 + n > len(data): break
                    if t == b"E": raise SystemExit("error: " + repr(data[i:i+1+n]))
                    if t == kind: return
                    i += 1 + n
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        params = b"user\0postgres\0database\0postgres\0\0"
        s.sendall(struct.pack("!II", len(params) + 8, 196608) + params)
        until(s, b"Z")
        sql = b"COPY plans FROM STDIN\0"
        s.sendall(msg(b"P", b"\0" + sql + b"\0\0") + msg(b"B", b"\0\0\0\0\0\0\0\0") + msg(b"E", b"\0\0\0\0\0")
                  + msg(b"S", b""))
        until(s, b"G")
        s.sendall(msg(b"d", b"3\tteam\n") + msg(b"c", b"") + msg(b"S", b""))
        until(s, b"Z")
        s.sendall(msg(b"X", b""))
        s.close()
        print("copied")
        """#

    func testAnExtendedCopyAndAnAdministratorTerminatedSessionAreNoErrors() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        XCTAssertEqual(try psql(server.port, "CREATE TABLE plans(id int, name text)").status, 0)
        let capture = work + "/quiet.pcapng"
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(server.port)", extra: ["--capture", capture, "--check"])

        let script = work + "/copy.py"
        try Data(Self.extendedCopy.utf8).write(to: URL(fileURLWithPath: script))
        let copy = try ProcessRunner.run("python3", [script, "\(proxy.port)"], timeout: 30)
        XCTAssertEqual(copy.stdoutText, "copied\n", copy.stderrText)
        XCTAssertEqual(try psql(server.port, "SELECT name FROM plans").stdoutText, "team\n")

        // A long query on one session; another terminates it: the server sends FATAL 57P01.
        let sleeper = try BackgroundProcess(
            try ProcessRunner.require("psql", package: "postgresql-client"),
            [
                "-h", "127.0.0.1", "-p", "\(proxy.port)", "-U", "postgres", "-X", "-d", "postgres", "-c",
                "SELECT pg_sleep(20)",
            ])
        var terminated = ""
        for _ in 0..<100 {
            terminated =
                try psql(
                    proxy.port,
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE query = 'SELECT pg_sleep(20)' AND pid <> pg_backend_pid()) AS t"
                ).stdoutText
            if terminated == "1\n" { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(terminated, "1\n", "the sleeping session was found and terminated")
        XCTAssertNotNil(sleeper.waitForExit(timeout: 20))
        XCTAssertTrue(sleeper.stderrText.contains("terminating connection"), sleeper.stderrText)

        XCTAssertEqual(proxy.terminate(), 0, "no error finding live: \(proxy.background.stderrText)")
        let check = try ProcessRunner.run(InterposeBinary.path, ["check", "--json", capture], timeout: 60)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: check.stdout) as? [String: Any])
        let errors = (document["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
        XCTAssertEqual(errors.count, 0, "no error finding offline: \(errors)")
        XCTAssertEqual(check.status, 0)
    }
}
