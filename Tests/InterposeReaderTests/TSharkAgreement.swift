import Foundation
import InterposeCapture
import InterposeCore
import InterposeReader
import InterposeTestSupport

/// Compares the reader's conversations in a file with tshark's (see `TSharkPayloadBytes`).
///
/// Agreement means: the same conversations between the same endpoints as `-z conv,tcp`, and the
/// same unique payload bytes each way. Bytes cut by the snap length count on our side as well: we
/// report them as gaps (never as data), tshark counts them in `tcp.len`.
enum TSharkAgreement {
    /// The result for one file.
    struct Outcome: Sendable {
        var path: String
        var agrees: Bool
        var message: String
    }

    static func compare(_ path: String, label: String) -> Outcome {
        let expected: [TSharkPayloadBytes.Conversation]
        let tsharkRows: [TShark.Conversation]
        do {
            expected = try TSharkPayloadBytes.conversations(file: path).sorted()
            tsharkRows = try TShark.conversations(file: path)
        } catch {
            return Outcome(path: label, agrees: false, message: "tshark failed: \(error)")
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
            return Outcome(path: label, agrees: false, message: "we refuse it: \(error)")
        }
        // conv,tcp: the same number of conversations between the same endpoints.
        let tsharkPairs = tsharkRows.compactMap { row -> [Endpoint]? in
            guard let a = parse(row.endpointA), let b = parse(row.endpointB) else { return nil }
            return [a, b].sorted { $0.description < $1.description }
        }.map { "\($0[0]) <-> \($0[1])" }.sorted()
        let ourPairs = ours.map { "\($0.a) <-> \($0.b)" }.sorted()
        if tsharkPairs != ourPairs {
            return Outcome(
                path: label, agrees: false,
                message:
                    "conv,tcp lists \(tsharkPairs.count) conversations \(tsharkPairs.prefix(5)), we find \(ourPairs.count) \(ourPairs.prefix(5))"
            )
        }
        if ours != expected {
            let missing = expected.filter { !ours.contains($0) }.prefix(3)
            let extra = ours.filter { !expected.contains($0) }.prefix(3)
            return Outcome(path: label, agrees: false, message: "tshark has \(Array(missing)), we have \(Array(extra))")
        }
        return Outcome(path: label, agrees: true, message: "\(ours.count) conversations")
    }

    /// Parses conv,tcp's `IP:PORT` (IPv6 without brackets: the port is after the last colon).
    static func parse(_ text: String) -> Endpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]),
            let address = IPAddress(text[..<colon])
        else { return nil }
        return Endpoint(address: address, port: port)
    }
}
