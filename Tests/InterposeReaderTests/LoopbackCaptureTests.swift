import Foundation
import InterposeCapture
import InterposeCore
import InterposeReader
import InterposeTestSupport
import XCTest

/// Captures the tests make: tcpdump on loopback while real clients talk to real servers, read back
/// and compared with tshark; then the same captures damaged (packets deleted, duplicated, altered,
/// swapped) to prove gaps, retransmissions and reordering are handled as they should be.
final class LoopbackCaptureTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-loopback-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func read(_ path: String) throws -> RecordingConsumer {
        let reader = try CaptureReader(path: path)
        var consumer = RecordingConsumer()
        _ = reader.read(into: &consumer)
        return consumer
    }

    private func assertAgreesWithTShark(_ path: String, file: StaticString = #filePath, line: UInt = #line) {
        let outcome = TSharkAgreement.compare(path, label: URL(fileURLWithPath: path).lastPathComponent)
        XCTAssertTrue(outcome.agrees, outcome.message, file: file, line: line)
    }

    /// Our reassembled bytes of each conversation equal `tshark -z follow,tcp,raw,N`, byte for byte.
    private func assertBytesEqualTSharkFollow(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws
    {
        let consumer = try read(path)
        for (index, summary) in consumer.summaries.sorted(by: { $0.id < $1.id }).enumerated() {
            let followed = try TShark.followTCP(file: path, stream: index)
            let clientFirst = followed.node0 == summary.descriptor.client.description
            let toServer = consumer.bytes(summary.id, .clientToServer)
            let toClient = consumer.bytes(summary.id, .serverToClient)
            XCTAssertEqual(
                toServer, clientFirst ? followed.fromNode0 : followed.fromNode1, "stream \(index) client->server",
                file: file, line: line)
            XCTAssertEqual(
                toClient, clientFirst ? followed.fromNode1 : followed.fromNode0, "stream \(index) server->client",
                file: file, line: line)
        }
    }

    private func captureNginx(_ name: String) throws -> (path: String, port: UInt16) {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let curl = try ProcessRunner.require("curl", package: "curl")
        let path = "\(work)/\(name).pcap"
        let capture = try LoopbackCapture(path: path, ports: [nginx.port])
        let base = "http://127.0.0.1:\(nginx.port)"
        // One keep-alive connection with three requests, then two connections of their own.
        let first = try ProcessRunner.run(
            curl,
            [
                "-sS", "-o", "/dev/null", "\(base)/", "-o", "/dev/null", "\(base)/big.bin", "-o", "/dev/null",
                "\(base)/missing",
            ], timeout: 30)
        XCTAssertEqual(first.status, 0, first.stderrText)
        for _ in 0..<2 {
            let more = try ProcessRunner.run(curl, ["-sS", "-o", "/dev/null", "\(base)/big.bin"], timeout: 30)
            XCTAssertEqual(more.status, 0, more.stderrText)
        }
        capture.stop()
        return (path, nginx.port)
    }

    func testCurlAgainstNginxIsReadExactlyAsTSharkReadsIt() throws {
        let path = try captureNginx("nginx").path
        let consumer = try read(path)
        XCTAssertEqual(consumer.summaries.count, 3)
        for summary in consumer.summaries {
            XCTAssertEqual(summary.state, .complete, "\(summary)")
            XCTAssertEqual(summary.descriptor.client.address, IPAddress("127.0.0.1"))
            XCTAssertGreaterThan(summary.toClient.bytes, 300_000)
            XCTAssertFalse(summary.rolesGuessed)
        }
        XCTAssertFalse(consumer.findings.contains { $0.severity >= .warning }, "\(consumer.findings)")
        assertAgreesWithTShark(path)
        try assertBytesEqualTSharkFollow(path)
    }

    func testRedisCliAgainstRedisServerIsReadExactlyAsTSharkReadsIt() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let cli = try ProcessRunner.require("redis-cli", package: "redis-tools")
        let path = "\(work)/redis.pcap"
        let capture = try LoopbackCapture(path: path, ports: [redis.port])
        let value = String(repeating: "v", count: 100_000)
        for command in [
            ["SET", "greeting", "hello"], ["GET", "greeting"], ["SET", "big", value], ["GET", "big"],
            ["LPUSH", "list", "a", "b", "c"],
        ] {
            let result = try ProcessRunner.run(cli, ["-p", "\(redis.port)"] + command, timeout: 20)
            XCTAssertEqual(result.status, 0, result.stderrText)
        }
        let pipeline = try ProcessRunner.run(
            cli, ["-p", "\(redis.port)", "--pipe"], stdin: Data("SET a 1\r\nINCR a\r\nGET a\r\n".utf8), timeout: 20)
        XCTAssertEqual(pipeline.status, 0, pipeline.stderrText)
        capture.stop()
        let consumer = try read(path)
        XCTAssertEqual(consumer.summaries.count, 6)
        XCTAssertTrue(
            consumer.summaries.allSatisfy { $0.descriptor.server.port == redis.port && $0.state == .complete })
        assertAgreesWithTShark(path)
        try assertBytesEqualTSharkFollow(path)
    }

    func testPsqlAgainstPostgresIsReadExactlyAsTSharkReadsIt() throws {
        let postgres = try PostgresServer()
        defer { postgres.stop() }
        let psql = try ProcessRunner.require("psql", package: "postgresql-client")
        let path = "\(work)/postgres.pcap"
        let capture = try LoopbackCapture(path: path, ports: [postgres.port])
        let queries =
            "CREATE TABLE t (id int, name text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g; SELECT * FROM t; DROP TABLE t;"
        let result = try ProcessRunner.run(
            psql, ["-h", "127.0.0.1", "-p", "\(postgres.port)", "-U", "postgres", "-c", queries], timeout: 60,
            environment: ["PGSSLMODE": "disable"])
        XCTAssertEqual(result.status, 0, result.stderrText)
        capture.stop()
        let consumer = try read(path)
        XCTAssertEqual(consumer.summaries.count, 1)
        XCTAssertEqual(consumer.summaries.first?.descriptor.server.port, postgres.port)
        XCTAssertGreaterThan(consumer.summaries.first?.toClient.bytes ?? 0, 2000 * 32)
        assertAgreesWithTShark(path)
        try assertBytesEqualTSharkFollow(path)
    }

    func testEditedCapturesShowGapsRetransmissionsAndReordering() throws {
        // The damage must be ours alone: retake the capture if tcpdump itself lost packets (under load).
        var (path, port) = try captureNginx("edit-source")
        var original = try read(path)
        for attempt in 1...3 where original.findings.contains(where: { $0.severity >= .warning }) {
            print("edit source capture \(attempt) lost packets (\(original.findings)); capturing again")
            (path, port) = try captureNginx("edit-source-\(attempt)")
            original = try read(path)
        }
        XCTAssertFalse(
            original.findings.contains { $0.severity >= .warning }, "clean source capture: \(original.findings)")
        // Server data packets of the first conversation, by packet number, with their payload length.
        let rows = try TShark.fields(
            file: path, filter: "tcp.len > 0 && tcp.stream == 0 && tcp.srcport == \(port)",
            fields: ["frame.number", "tcp.len"])
        let packets = rows.compactMap { row -> (Int, Int)? in
            guard row.count == 2, let number = Int(row[0]), let length = Int(row[1]) else { return nil }
            return (number, length)
        }
        guard packets.count > 4 else { return XCTFail("the 300 KB reply should span several segments: \(packets)") }
        let (victim, victimLength) = packets[packets.count / 2]
        let stream = original.summaries.sorted { $0.id < $1.id }[0]
        let originalBytes = original.bytes(stream.id, .serverToClient)

        // A deleted segment is a gap of exactly its size, never glued over.
        var editor = try PcapRecordEditor(path: path)
        editor.records.remove(at: victim - 1)
        try editor.write(to: "\(work)/deleted.pcap")
        let deleted = try read("\(work)/deleted.pcap")
        let gap = deleted.findings.first { $0.code == "tcp.gap" && $0.connection == stream.id }
        XCTAssertNotNil(gap, "\(deleted.findings)")
        XCTAssertTrue(
            gap?.message.hasPrefix("\(victimLength) bytes missing server->client") ?? false,
            "\(String(describing: gap))")
        XCTAssertEqual(deleted.summaries.first { $0.id == stream.id }?.state, .incomplete)
        XCTAssertEqual(
            deleted.events(stream.id, .serverToClient).filter { $0.hasPrefix("gap") }, ["gap:\(victimLength)"])
        XCTAssertEqual(deleted.bytes(stream.id, .serverToClient).count, originalBytes.count - victimLength)
        assertAgreesWithTShark("\(work)/deleted.pcap")

        // Every packet twice: retransmissions, the same bytes, no finding above info.
        editor = try PcapRecordEditor(path: path)
        editor.records = editor.records.flatMap { [$0, $0] }
        try editor.write(to: "\(work)/duplicated.pcap")
        let duplicated = try read("\(work)/duplicated.pcap")
        XCTAssertEqual(duplicated.bytes(stream.id, .serverToClient), originalBytes)
        XCTAssertGreaterThan(duplicated.summaries.first { $0.id == stream.id }?.toClient.retransmissions ?? 0, 4)
        XCTAssertFalse(duplicated.findings.contains { $0.severity >= .warning }, "\(duplicated.findings)")
        assertAgreesWithTShark("\(work)/duplicated.pcap")

        // A copy with one byte changed: an overlap mismatch (error); the first copy is kept.
        editor = try PcapRecordEditor(path: path)
        var altered = editor.records[victim - 1]
        altered.data[altered.data.count - 1] ^= 0xFF
        editor.records.insert(altered, at: victim)
        try editor.write(to: "\(work)/altered.pcap")
        let alteredRead = try read("\(work)/altered.pcap")
        XCTAssertEqual(alteredRead.bytes(stream.id, .serverToClient), originalBytes)
        XCTAssertEqual(alteredRead.findings.filter { $0.code == "tcp.overlap-mismatch" }.map(\.severity), [.error])

        // Two segments swapped: put back in order, identical bytes, no gap.
        editor = try PcapRecordEditor(path: path)
        editor.records.swapAt(victim - 1, packets[packets.count / 2 + 1].0 - 1)
        try editor.write(to: "\(work)/swapped.pcap")
        let swapped = try read("\(work)/swapped.pcap")
        XCTAssertEqual(swapped.bytes(stream.id, .serverToClient), originalBytes)
        XCTAssertGreaterThanOrEqual(swapped.summaries.first { $0.id == stream.id }?.toClient.outOfOrderSegments ?? 0, 1)
        XCTAssertFalse(swapped.findings.contains { $0.code == "tcp.gap" }, "\(swapped.findings)")
        assertAgreesWithTShark("\(work)/swapped.pcap")
    }
}
