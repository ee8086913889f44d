import Foundation
import InterposeCapture
import InterposeCore
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

    func testEveryFileTSharkReadsGivesTheSameConversationsAndBytes() throws {
        let manifest = try CorpusManifest()
        let entries = manifest.entries.filter(\.tsharkOK)
        XCTAssertGreaterThan(entries.count, 90, "the corpus should hold about 95 readable files")
        _ = try TShark.executable()
        let lock = NSLock()
        nonisolated(unsafe) var outcomes: [TSharkAgreement.Outcome] = []
        DispatchQueue.concurrentPerform(iterations: entries.count) { index in
            let entry = entries[index]
            let outcome = TSharkAgreement.compare(manifest.path(of: entry), label: entry.path)
            lock.lock()
            outcomes.append(outcome)
            lock.unlock()
        }
        var agreeing = 0
        var justified: [String] = []
        for outcome in outcomes.sorted(by: { $0.path < $1.path }) {
            if let reason = Self.justifiedDifferences[outcome.path] {
                XCTAssertFalse(
                    outcome.agrees, "\(outcome.path) now agrees with tshark: remove it from justifiedDifferences")
                justified.append("\(outcome.path): \(reason) [\(outcome.message)]")
            } else if outcome.agrees {
                agreeing += 1
            } else {
                XCTFail("\(outcome.path): \(outcome.message)")
            }
        }
        print(
            "corpus: \(agreeing) of \(entries.count) files agree exactly with tshark; \(justified.count) differ on purpose:"
        )
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
}
