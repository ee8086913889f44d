import Foundation
import InterposeCapture
import InterposeControl
import InterposeCore
import InterposeFaults
import InterposeTestSupport
import XCTest

/// The control API over real HTTP (curl): Toxiproxy's routes, status codes and error bodies, and
/// what they do to real proxies on loopback.
final class ControlAPITests: XCTestCase {
    private func proxyBody(_ name: String, upstream: UInt16 = 1, listen: String = "127.0.0.1:0", enabled: Bool? = nil)
        -> String
    {
        let enabledField = enabled.map { ",\"enabled\":\($0)" } ?? ""
        return "{\"name\":\"\(name)\",\"listen\":\"\(listen)\",\"upstream\":\"127.0.0.1:\(upstream)\"\(enabledField)}"
    }

    func testProxiesAreCreatedListedUpdatedAndDeletedWithToxiproxyStatusCodes() async throws {
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }

        let version = try api.request("GET", "/version")
        XCTAssertEqual(version.status, 200)
        XCTAssertNotNil(try version.object()["version"] as? String)

        let created = try api.request("POST", "/proxies", proxyBody("one", upstream: 6379))
        XCTAssertEqual(created.status, 201, created.body)
        let proxy = try created.object()
        XCTAssertEqual(proxy["name"] as? String, "one")
        XCTAssertEqual(proxy["upstream"] as? String, "127.0.0.1:6379")
        XCTAssertEqual(proxy["enabled"] as? Bool, true)
        XCTAssertEqual((proxy["toxics"] as? [Any])?.count, 0)
        XCTAssertNotEqual(proxy["listen"] as? String, "127.0.0.1:0", "listen shows the bound port")

        let duplicate = try api.request("POST", "/proxies", proxyBody("one"))
        XCTAssertEqual(duplicate.status, 409)
        XCTAssertEqual(try duplicate.object()["error"] as? String, "proxy already exists")
        XCTAssertEqual(try duplicate.object()["status"] as? Int, 409)

        let missing = try api.request("POST", "/proxies", "{\"name\":\"x\"}")
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(try missing.object()["error"] as? String, "missing required field: upstream")
        XCTAssertEqual(try api.request("POST", "/proxies", "not json").status, 400)

        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("two", upstream: 6380)).status, 201)
        let list = try api.request("GET", "/proxies").object()
        XCTAssertEqual(Set(list.keys), ["one", "two"])
        XCTAssertEqual((list["two"] as? [String: Any])?["upstream"] as? String, "127.0.0.1:6380")

        let notFound = try api.request("GET", "/proxies/nope")
        XCTAssertEqual(notFound.status, 404)
        XCTAssertEqual(try notFound.object()["error"] as? String, "proxy not found")
        XCTAssertEqual(try notFound.object()["status"] as? Int, 404)

        let moved = try api.request("POST", "/proxies/one", "{\"upstream\":\"127.0.0.1:7000\"}")
        XCTAssertEqual(moved.status, 200, moved.body)
        XCTAssertEqual(try moved.object()["upstream"] as? String, "127.0.0.1:7000")
        XCTAssertEqual(try moved.object()["listen"] as? String, proxy["listen"] as? String, "same port after a move")

        XCTAssertEqual(try api.request("DELETE", "/proxies/one").status, 204)
        XCTAssertEqual(try api.request("DELETE", "/proxies/one").status, 404)
        XCTAssertEqual(try api.request("POST", "/proxies/one", "{\"enabled\":false}").status, 404)
        XCTAssertEqual(Set(try api.request("GET", "/proxies").object().keys), ["two"])
    }

    func testToxicsAreStoredReturnedUpdatedAndRemoved() async throws {
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("db")).status, 201)

        let added = try api.request(
            "POST", "/proxies/db/toxics", "{\"type\":\"latency\",\"attributes\":{\"latency\":100,\"jitter\":10}}")
        XCTAssertEqual(added.status, 200, added.body)
        let toxic = try added.object()
        XCTAssertEqual(toxic["name"] as? String, "latency_downstream")
        XCTAssertEqual(toxic["stream"] as? String, "downstream")
        XCTAssertEqual(toxic["toxicity"] as? Double, 1)
        XCTAssertEqual((toxic["attributes"] as? [String: Any])?["latency"] as? Int, 100)

        let duplicate = try api.request("POST", "/proxies/db/toxics", "{\"type\":\"latency\"}")
        XCTAssertEqual(duplicate.status, 409)
        XCTAssertEqual(try duplicate.object()["error"] as? String, "toxic already exists")
        XCTAssertEqual(try api.request("POST", "/proxies/db/toxics", "{\"type\":\"teleport\"}").status, 400)
        let badStream = try api.request("POST", "/proxies/db/toxics", "{\"type\":\"timeout\",\"stream\":\"sideways\"}")
        XCTAssertEqual(badStream.status, 400)
        XCTAssertEqual(
            try badStream.object()["error"] as? String, "stream was invalid, can be either upstream or downstream")
        XCTAssertEqual(try api.request("POST", "/proxies/nope/toxics", "{\"type\":\"latency\"}").status, 404)
        // An absurd number is refused where it is parsed, naming the range (it used to be accepted and
        // trap the process on the first byte through the proxy).
        let absurd = try api.request(
            "POST", "/proxies/db/toxics", "{\"name\":\"far\",\"type\":\"latency\",\"attributes\":{\"latency\":1e14}}")
        XCTAssertEqual(absurd.status, 400, absurd.body)
        XCTAssertTrue(absurd.body.contains("from 0 to 3600000 (ms)"), absurd.body)

        let cut = try api.request(
            "POST", "/proxies/db/toxics",
            "{\"name\":\"cut\",\"type\":\"limit_data\",\"stream\":\"upstream\",\"toxicity\":0.5,\"attributes\":{\"bytes\":1000}}"
        )
        XCTAssertEqual(cut.status, 200, cut.body)
        XCTAssertEqual(
            try api.request("GET", "/proxies/db/toxics").array().map { $0["name"] as? String },
            ["latency_downstream", "cut"])
        XCTAssertEqual(try api.request("GET", "/proxies/db/toxics/cut").object()["toxicity"] as? Double, 0.5)

        let updated = try api.request(
            "POST", "/proxies/db/toxics/latency_downstream", "{\"attributes\":{\"jitter\":5}}")
        XCTAssertEqual(updated.status, 200, updated.body)
        let attributes = try XCTUnwrap(try updated.object()["attributes"] as? [String: Any])
        XCTAssertEqual(attributes["latency"] as? Int, 100, "attributes not given keep their value")
        XCTAssertEqual(attributes["jitter"] as? Int, 5)
        XCTAssertEqual(try api.request("POST", "/proxies/db/toxics/none", "{\"toxicity\":1}").status, 404)

        XCTAssertEqual(try api.request("DELETE", "/proxies/db/toxics/cut").status, 204)
        let gone = try api.request("GET", "/proxies/db/toxics/cut")
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(try gone.object()["error"] as? String, "toxic not found")
        XCTAssertEqual(try api.request("DELETE", "/proxies/db/toxics/cut").status, 404)
        let proxy = try api.request("GET", "/proxies/db").object()
        XCTAssertEqual((proxy["toxics"] as? [[String: Any]])?.map { $0["name"] as? String }, ["latency_downstream"])
    }

    func testDisablingRefusesNewConnectionsAndClosesOpenOnesAndEnablingRestoresThem() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("redis", upstream: redis.port)).status, 201)
        let port = try api.listenPort("redis")

        let open = try BlockingSocket.connect(host: "127.0.0.1", port: port)
        try open.send("PING\r\n")
        XCTAssertEqual(String(decoding: try open.receive(), as: UTF8.self), "+PONG\r\n")
        let connections = try api.request("GET", "/interpose/proxies/redis/connections").object()
        XCTAssertEqual((connections["connections"] as? [Any])?.count, 1, "\(connections)")

        let down = try api.request("POST", "/proxies/redis", "{\"enabled\":false}")
        XCTAssertEqual(down.status, 200)
        XCTAssertEqual(try down.object()["enabled"] as? Bool, false)
        open.setTimeout(5)
        let started = Date()
        do {
            let rest = try open.receiveUntilEOF()
            XCTAssertEqual(rest, [], "the open connection is closed")
        } catch let error as BlockingSocket.SocketError {
            XCTAssertEqual(error.errno, ECONNRESET, "reset, not timed out: \(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "closed at once, not after the read timeout")
        open.close()
        XCTAssertThrowsError(
            try BlockingSocket.connect(host: "127.0.0.1", port: port, timeout: 2), "refused while down")
        XCTAssertNotEqual(
            try redisCLI(port, ["PING"]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "PONG")

        let up = try api.request("POST", "/proxies/redis", "{\"enabled\":true}")
        XCTAssertEqual(up.status, 200)
        XCTAssertEqual(try api.listenPort("redis"), port, "enabled again on the same address")
        XCTAssertEqual(try redisCLI(port, ["PING"]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "PONG")
    }

    func testResetEnablesEveryProxyAndRemovesEveryToxic() async throws {
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("a")).status, 201)
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("b", enabled: false)).status, 201)
        XCTAssertEqual(try api.request("POST", "/proxies/a/toxics", "{\"type\":\"latency\"}").status, 200)
        XCTAssertEqual(try api.request("POST", "/proxies/b/toxics", "{\"type\":\"timeout\"}").status, 200)
        XCTAssertEqual(try api.request("GET", "/proxies/b").object()["enabled"] as? Bool, false)

        XCTAssertEqual(try api.request("POST", "/reset").status, 204)
        for (name, proxy) in try api.request("GET", "/proxies").object() {
            let fields = try XCTUnwrap(proxy as? [String: Any])
            XCTAssertEqual(fields["enabled"] as? Bool, true, name)
            XCTAssertEqual((fields["toxics"] as? [Any])?.count, 0, name)
        }
        let port = try api.listenPort("b")
        XCTAssertNoThrow(try BlockingSocket.connect(host: "127.0.0.1", port: port).close(), "b listens after reset")
    }

    func testPopulateCreatesNewKeepsSameAndReplacesChangedProxies() async throws {
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("keep", upstream: 5000)).status, 201)
        XCTAssertEqual(try api.request("POST", "/proxies/keep/toxics", "{\"type\":\"latency\"}").status, 200)
        let keepListen = try XCTUnwrap(try api.request("GET", "/proxies/keep").object()["listen"] as? String)
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("change", upstream: 5001)).status, 201)
        XCTAssertEqual(try api.request("POST", "/proxies/change/toxics", "{\"type\":\"latency\"}").status, 200)

        let body =
            "[\(proxyBody("keep", upstream: 5000, listen: keepListen)),"
            + "\(proxyBody("change", upstream: 5002)),\(proxyBody("new", upstream: 5003))]"
        let populated = try api.request("POST", "/populate", body)
        XCTAssertEqual(populated.status, 201, populated.body)
        let proxies = try XCTUnwrap(try populated.object()["proxies"] as? [[String: Any]])
        XCTAssertEqual(proxies.map { $0["name"] as? String }, ["keep", "change", "new"])
        XCTAssertEqual((proxies[0]["toxics"] as? [Any])?.count, 1, "an unchanged proxy keeps its toxics")
        XCTAssertEqual((proxies[1]["toxics"] as? [Any])?.count, 0, "a changed proxy is replaced")
        XCTAssertEqual(proxies[1]["upstream"] as? String, "127.0.0.1:5002")
        XCTAssertEqual(Set(try api.request("GET", "/proxies").object().keys), ["keep", "change", "new"])

        let bad = try api.request("POST", "/populate", "[{\"name\":\"x\"}]")
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(try bad.object()["error"] as? String, "missing required field: upstream at proxy 1")
    }

    func testTokenIsRequiredOnEveryRequestWhenSet() async throws {
        let api = try await ControlHarness(token: "s3cret-token")
        defer { Task { await api.stop() } }
        let refused = try api.request("GET", "/proxies", authorize: false)
        XCTAssertEqual(refused.status, 401)
        XCTAssertEqual(try refused.object()["status"] as? Int, 401)
        XCTAssertEqual(try api.request("GET", "/metrics", authorize: false).status, 401)
        XCTAssertEqual(
            try api.request("GET", "/proxies", authorize: false, headers: ["Authorization: Bearer wrong"]).status, 401)
        XCTAssertEqual(try api.request("GET", "/proxies").status, 200)
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("t")).status, 201)
    }

    func testABodyOverTheLimitIs413WithToxiproxysErrorShape() async throws {
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "interpose-big-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        // A valid JSON document of 2 MiB: only its size is wrong.
        try Data(("{\"name\":\"" + String(repeating: "x", count: 2 << 20) + "\"}").utf8).write(to: file)
        for headers in [[], ["Transfer-Encoding: chunked"]] {  // with Content-Length, and streamed without one
            let answer = try api.request("POST", "/proxies", "@\(file.path)", headers: headers)
            XCTAssertEqual(answer.status, 413, "\(headers): \(answer.body.prefix(300))")
            XCTAssertEqual(try answer.object()["status"] as? Int, 413)
            XCTAssertEqual(
                try answer.object()["error"] as? String,
                "request body too large: the control API takes at most 1.0 MiB per request")
        }
        XCTAssertEqual(try api.request("POST", "/proxies", proxyBody("small")).status, 201, "the API still works")
    }

    func testBrowsersAreTurnedAwayAsToxiproxyDoes() async throws {
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        XCTAssertEqual(try api.request("GET", "/proxies", headers: ["User-Agent: Mozilla/5.0 (X11)"]).status, 403)
    }

    func testNonLoopbackEndpointWithoutTokenIsRefused() throws {
        let open = ControlEndpoint(address: HostPort(host: "0.0.0.0", port: 8474))
        XCTAssertThrowsError(try open.validate()) { error in
            XCTAssertTrue("\(error)".contains("--control-token"), "\(error)")
        }
        XCTAssertNoThrow(try ControlEndpoint(address: HostPort(host: "0.0.0.0", port: 8474), token: "t").validate())
        XCTAssertNoThrow(try ControlEndpoint(address: HostPort(host: "127.0.0.5", port: 8474)).validate())
        XCTAssertNoThrow(try ControlEndpoint(address: HostPort(host: "::1", port: 8474)).validate())
        XCTAssertThrowsError(try ControlEndpoint(address: HostPort(host: "192.0.2.1", port: 8474)).validate())
    }

    func testFaultsFiredByTheEngineAppearInMetrics() async throws {
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        let toxic = Toxic(name: "slow", type: .latency, stream: .upstream)
        FaultMetrics.fired(proxy: "metrics-probe", toxic: toxic)
        FaultMetrics.fired(proxy: "metrics-probe", toxic: toxic, count: 2)
        let samples = try PrometheusText.parse(try api.request("GET", "/metrics").body)
        XCTAssertEqual(
            samples[
                "interpose_faults_fired_total",
                ["proxy": "metrics-probe", "toxic": "slow", "type": "latency", "stream": "upstream"]], 3)
    }
}
