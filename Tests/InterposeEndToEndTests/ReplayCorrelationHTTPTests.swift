import Foundation
import InterposeTestSupport
import XCTest

/// Stateful replay of HTTP/1: a JSON service that hands out login tokens and generated item ids
/// (each instance its own), with noisy fields, recorded through `interpose proxy` and replayed
/// against instances of three builds with a second good instance as the baseline. Only the tokens
/// and ids the replayed servers hand out make the replayed requests valid.
final class ReplayCorrelationHTTPTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-correlate-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// The service: `POST /login` hands out a random token; `POST /items` (with `Authorization:
    /// Bearer TOKEN`) a generated id counted from a random start and a one-character revision;
    /// `GET /items/ID?rev=REV` the item (the revision is only handed out to `POST /items?rev`, and
    /// only checked when asked for). Every answer has a fresh `time` and `request_id`. Build
    /// `changed` answers `"color":"blue"` instead of `"red"`; build `auth-broken` rejects every token.
    /// A wrong revision is a 409.
    private func service(build: String) throws -> ScriptedServer {
        try ScriptedServer(
            python: """
                import datetime, json, random, secrets, sys, uuid
                from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
                BUILD = "\(build)"
                tokens = set(); items = {}; next_id = [random.randint(10000, 900000)]
                class Handler(BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.1"
                    def log_message(self, *args): pass
                    def reply(self, status, body):
                        body["time"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
                        body["request_id"] = str(uuid.uuid4())
                        data = json.dumps(body).encode()
                        self.send_response(status)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                    def body(self):
                        length = int(self.headers.get("Content-Length") or 0)
                        return json.loads(self.rfile.read(length) or b"{}")
                    def authorized(self):
                        auth = self.headers.get("Authorization", "")
                        return BUILD != "auth-broken" and auth.startswith("Bearer ") and auth[7:] in tokens
                    def do_POST(self):
                        if self.path == "/login":
                            user = self.body().get("user"); token = secrets.token_hex(16); tokens.add(token)
                            return self.reply(200, {"token": token, "user": user})
                        if self.path.partition("?")[0] == "/items":
                            name = self.body().get("name")
                            if not self.authorized(): return self.reply(401, {"error": "unauthorized"})
                            item = next_id[0]; next_id[0] += 7; rev = random.choice("abcdefghij")
                            items[item] = (name, rev)
                            answer = {"id": item, "name": name}
                            if "?" in self.path: answer["rev"] = rev
                            return self.reply(201, answer)
                        self.reply(404, {"error": "no such path"})
                    def do_GET(self):
                        path, _, query = self.path.partition("?")
                        if not path.startswith("/items/"): return self.reply(404, {"error": "no such path"})
                        if not self.authorized(): return self.reply(401, {"error": "unauthorized"})
                        try: item = int(path[7:])
                        except ValueError: return self.reply(404, {"error": "no such item"})
                        if item not in items: return self.reply(404, {"error": "no such item"})
                        name, rev = items[item]
                        if query and query != "rev=" + rev: return self.reply(409, {"error": "stale revision"})
                        color = "blue" if BUILD == "changed" else "red"
                        self.reply(200, {"id": item, "name": name, "color": color})
                ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
                """)
    }

    /// The client: one connection logs in, creates an item and reads it back (with its revision
    /// when `revision`); a second connection reads it again with the same token. Prints the statuses.
    private func client(revision: Bool) -> String {
        """
        import http.client, json, sys
        port = int(sys.argv[1]); statuses = []
        def call(connection, method, path, body=None, token=None):
            headers = {"Content-Type": "application/json"} if body is not None else {}
            if token: headers["Authorization"] = "Bearer " + token
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = connection.getresponse(); data = json.loads(response.read()); statuses.append(response.status)
            return data
        first = http.client.HTTPConnection("127.0.0.1", port)
        token = call(first, "POST", "/login", {"user": "ann", "password": "secret"})["token"]
        revision = \(revision ? "True" : "False")
        item = call(first, "POST", "/items?rev" if revision else "/items", {"name": "lamp"}, token)
        query = "?rev=" + item["rev"] if revision else ""
        call(first, "GET", "/items/%d%s" % (item["id"], query), token=token)
        first.close()
        second = http.client.HTTPConnection("127.0.0.1", port)
        call(second, "GET", "/items/%d" % item["id"], token=token)
        second.close()
        print(" ".join(map(str, statuses)))
        """
    }

    private func record(_ server: ScriptedServer, to capture: String, revision: Bool = false) throws {
        // Unredacted: the recorded bearer tokens are what correlation matches against the login's
        // answer; a redacted capture hides them (replaying redacted credentials is not built yet).
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(server.port)", extra: ["--capture", capture, "--no-redact"])
        let script = work + "/client.py"
        try Data(client(revision: revision).utf8).write(to: URL(fileURLWithPath: script))
        let python = try ProcessRunner.require("python3", package: "python3")
        let run = try ProcessRunner.run(python, [script, "\(proxy.port)"], timeout: 30)
        XCTAssertEqual(run.status, 0, run.stderrText)
        XCTAssertEqual(run.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "200 201 200 200")
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
    }

    private func replay(
        _ capture: String, target: ScriptedServer, baseline: ScriptedServer, _ extra: [String] = []
    ) throws -> (ProcessRunner.Result, ReplayReportDocument) {
        let result = try runReplay(
            [
                capture, "--target", "127.0.0.1:\(target.port)", "--baseline", "127.0.0.1:\(baseline.port)",
                "--speed", "max", "--json",
            ] + extra)
        return (result, try ReplayReportDocument(data: result.stdout))
    }

    /// The statuses of the replayed responses, in recorded order.
    private func replayedStatuses(_ report: ReplayReportDocument) -> [String] {
        (report.object["conversation_results"] as? [[String: Any]] ?? []).flatMap { conversation in
            (conversation["messages"] as? [[String: Any]] ?? []).map { message in
                String((message["replayed_summary"] as? String ?? "").prefix(3))
            }
        }
    }

    func testTokensAndIdsTheReplayedServersHandOutAreSentBackSoOnlyRealChangesRegress() throws {
        let recorded = try service(build: "good")
        let baseline = try service(build: "good")
        let good = try service(build: "good")
        let changed = try service(build: "changed")
        let broken = try service(build: "auth-broken")
        defer { [recorded, baseline, good, changed, broken].forEach { $0.stop() } }
        let capture = work + "/service.pcapng"
        try record(recorded, to: capture)

        // Without correlation the recorded token is unknown to every replayed server: the good
        // build refuses it as the broken one would, so the replay cannot tell them apart (before
        // status was never noise, the baseline's refusals made this a false clean; now the good
        // build is a false regression).
        let (blind, blindReport) = try replay(capture, target: good, baseline: baseline, ["--no-correlation"])
        assertReplayStatus(blind, 1)
        XCTAssertEqual(replayedStatuses(blindReport), ["200", "401", "401", "401"])

        let (same, sameReport) = try replay(capture, target: good, baseline: baseline)
        assertReplayStatus(same, 0)
        XCTAssertEqual(replayedStatuses(sameReport), ["200", "201", "200", "200"], "every status as recorded")
        XCTAssertEqual(sameReport.differences, [])
        let correlations = sameReport.object["correlations"] as? [[String: Any]] ?? []
        let rows = correlations.map { row in
            "\(row["from"] as? String ?? "") \(row["field"] as? String ?? "") => "
                + (row["sent_back"] as? [String] ?? []).joined(separator: ", ")
        }
        XCTAssertEqual(
            Set(rows),
            [
                "POST /login json:$.token => header:authorization in GET /items/{id}, header:authorization in POST /items",
                "POST /items json:$.id => path in GET /items/{id}",
            ], "\(correlations)")
        for row in correlations {
            XCTAssertEqual(row["applied"] as? Int, row["uses"] as? Int, "every use sent the live value: \(row)")
            XCTAssertEqual(row["changed"] as? Int, row["uses"] as? Int, "each instance hands out its own: \(row)")
            XCTAssertEqual(row["missing_in"] as? [Int], [], "\(row)")
        }

        let (field, fieldReport) = try replay(capture, target: changed, baseline: baseline)
        assertReplayStatus(field, 1)
        XCTAssertEqual(
            fieldReport.differences.map { "\($0.field) \($0.recorded ?? "-") \($0.replayed ?? "-")" },
            [#"json:$.color "red" "blue""#, #"json:$.color "red" "blue""#])
        XCTAssertEqual(
            fieldReport.differences.map(\.message), [2, 0], "the two GET /items/{id}: \(fieldReport.differences)")

        let (auth, authReport) = try replay(capture, target: broken, baseline: baseline)
        assertReplayStatus(auth, 1)
        XCTAssertEqual(replayedStatuses(authReport), ["200", "401", "401", "401"])
        XCTAssertTrue(authReport.verdict.hasPrefix("REGRESSION"), authReport.verdict)
    }

    func testACorrelateRuleSendsBackAValueTooShortToLearnAndAnUnmatchedRuleIsReported() throws {
        let recorded = try service(build: "good")
        let baseline = try service(build: "good")
        let good = try service(build: "good")
        defer { [recorded, baseline, good].forEach { $0.stop() } }
        let capture = work + "/service.pcapng"
        try record(recorded, to: capture, revision: true)
        // The revision is a random letter: a baseline may repeat the recorded one by chance, so it is
        // ignored in the comparison; the rule still has to send it back for the read to be answered.
        let rules = work + "/rules.txt"
        try Data("json:$.rev\ncorrelate json:$.nothing => query\n".utf8).write(to: URL(fileURLWithPath: rules))

        let (result, report) = try replay(
            capture, target: good, baseline: baseline, ["--correlate", "json:$.rev => query", "--ignore-file", rules])
        assertReplayStatus(result, 0)
        XCTAssertEqual(replayedStatuses(report), ["200", "201", "200", "200"])
        let rule = (report.object["correlations"] as? [[String: Any]] ?? []).first { $0["rule"] as? String != nil }
        XCTAssertEqual(rule?["rule"] as? String, "json:$.rev => query")
        XCTAssertEqual(rule?["sent_back"] as? [String], ["query in GET /items/{id}"])
        XCTAssertEqual(rule?["applied"] as? Int, 1)
        XCTAssertEqual(report.object["correlation_rules_unmatched"] as? [String], ["json:$.nothing => query"])

        let bad = try runReplay([capture, "--target", "127.0.0.1:\(good.port)", "--correlate", "json:$.rev"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(
            bad.stderrText.trimmingCharacters(in: .newlines),
            "interpose: --correlate 'json:$.rev': expected RESPONSE-FIELD => REQUEST-PLACE, "
                + "e.g. json:$.token => header:authorization or reply => arg[1]")
    }
}
