import Foundation
import InterposeCapture
import InterposeReader
import InterposeTestSupport
import XCTest

/// The reader against tshark on every file of the public corpus (MANIFEST.tsv).
///
/// For each file tshark reads cleanly, our conversations (endpoints, unique payload bytes each
/// way) must equal tshark's, as `TSharkPayloadBytes` computes them from tshark's own decoding.
/// Bytes the snap length cut from captured packets count on our side too: we report them as
/// gaps (never as data), tshark counts them in `tcp.len`, and both agree they exist in the stream.
/// Files that differ on purpose are listed in `justifiedDifferences` with the reason.
final class CorpusAgreementTests: XCTestCase {
    /// Files whose reading differs from tshark's by design, and why.
    static let justifiedDifferences: [String: String] = [
        "malformed/tcpdump-unsupported-link-type-160.pcap":
            "link type 160 (USER13) is not one we decode: one-line error and exit 2 by design; tshark opens it and finds no TCP",
        "tcp-anomalies/ndpi-heuristic_tcp_ack_payload.pcap":
            "three conversations send a byte at or past their own FIN's sequence number (one byte each way short): "
            + "we keep it out of the stream and report tcp.data-after-fin; tshark counts it in tcp.len",
    ]

    private struct Outcome: Sendable {
        var path: String
        var agrees: Bool
        var message: String
    }

    func testEveryFileTSharkReadsGivesTheSameConversationsAndBytes() throws {
        let manifest = try CorpusManifest()
        let entries = manifest.entries.filter(\.tsharkOK)
        XCTAssertGreaterThan(entries.count, 90, "the corpus should hold about 95 readable files")
        _ = try TShark.executable()
        let lock = NSLock()
        nonisolated(unsafe) var outcomes: [Outcome] = []
        DispatchQueue.concurrentPerform(iterations: entries.count) { index in
            let entry = entries[index]
            let outcome = Self.compare(entry, path: manifest.path(of: entry))
            lock.lock()
            outcomes.append(outcome)
            lock.unlock()
        }
        var agreeing = 0
        var justified: [String] = []
        for outcome in outcomes.sorted(by: { $0.path < $1.path }) {
            if let reason = Self.justifiedDifferences[outcome.path] {
                XCTAssertFalse(outcome.agrees, "\(outcome.path) now agrees with tshark: remove it from justifiedDifferences")
                justified.append("\(outcome.path): \(reason) [\(outcome.message)]")
            } else if outcome.agrees {
                agreeing += 1
            } else {
                XCTFail("\(outcome.path): \(outcome.message)")
            }
        }
        print("corpus: \(agreeing) of \(entries.count) files agree exactly with tshark; \(justified.count) differ on purpose:")
        for line in justified { print("  \(line)") }
    }

    func testFilesTSharkCannotReadGiveAnErrorOrAFindingNeverACrash() throws {
        let manifest = try CorpusManifest()
        for entry in manifest.entries where !entry.tsharkOK {
            let path = manifest.path(of: entry)
            do {
                let reader = try CaptureReader(path: path)
                var consumer = RecordingConsumer()
                let statistics = reader.read(into: &consumer)
                XCTAssertTrue(
                    statistics.isTruncated || consumer.findings.contains { $0.severity >= .warning },
                    "\(entry.path): tshark calls it damaged; we should say so too")
            } catch {
                XCTAssertFalse(error.description.contains("\n"), "\(entry.path): the error should be one line")
                XCTAssertTrue(error.description.contains(path), "\(entry.path): the error should name the file")
            }
        }
    }

    private static func compare(_ entry: CorpusManifest.Entry, path: String) -> Outcome {
        let expected: [TSharkPayloadBytes.Conversation]
        let tsharkRows: [TShark.Conversation]
        do {
            expected = try TSharkPayloadBytes.conversations(file: path).sorted()
            tsharkRows = try TShark.conversations(file: path)
        } catch {
            return Outcome(path: entry.path, agrees: false, message: "tshark failed: \(error)")
        }
        let ours: [TSharkPayloadBytes.Conversation]
        do {
            let reader = try CaptureReader(path: path)
            var consumer = RecordingConsumer()
            _ = reader.read(into: &consumer)
            ours = consumer.summaries.map { summary in
                TSharkPayloadBytes.Conversation(
                    summary.descriptor.client.description, summary.descriptor.server.description,
                    summary.toServer.bytes + summary.toServer.snaplenCutBytes,
                    summary.toClient.bytes + summary.toClient.snaplenCutBytes)
            }.sorted()
        } catch {
            return Outcome(path: entry.path, agrees: false, message: "we refuse it: \(error)")
        }
        // conv,tcp: the same number of conversations between the same endpoints.
        let tsharkPairs = tsharkRows.compactMap { row -> [Endpoint]? in
            guard let a = parse(row.endpointA), let b = parse(row.endpointB) else { return nil }
            return [a, b].sorted { $0.description < $1.description }
        }.map { "\($0[0]) <-> \($0[1])" }.sorted()
        let ourPairs = ours.map { "\($0.a) <-> \($0.b)" }.sorted()
        if tsharkPairs != ourPairs {
            return Outcome(
                path: entry.path, agrees: false,
                message: "conv,tcp lists \(tsharkPairs.count) conversations \(tsharkPairs.prefix(5)), we find \(ourPairs.count) \(ourPairs.prefix(5))")
        }
        if ours != expected {
            let missing = expected.filter { !ours.contains($0) }.prefix(3)
            let extra = ours.filter { !expected.contains($0) }.prefix(3)
            return Outcome(path: entry.path, agrees: false, message: "tshark has \(Array(missing)), we have \(Array(extra))")
        }
        return Outcome(path: entry.path, agrees: true, message: "\(ours.count) conversations")
    }

    /// Parses conv,tcp's `IP:PORT` (IPv6 without brackets: the port is after the last colon).
    private static func parse(_ text: String) -> Endpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]),
            let address = IPAddress(text[..<colon])
        else { return nil }
        return Endpoint(address: address, port: port)
    }
}
