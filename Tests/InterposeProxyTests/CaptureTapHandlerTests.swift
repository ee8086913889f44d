import Foundation
import InterposeCapture
import InterposeCore
import InterposeTestSupport
import NIOCore
import NIOEmbedded
import XCTest

@testable import InterposeProxy

/// The capture tap on `EmbeddedChannel`s: what it reports, in which order, for the plaintext and the
/// encrypted capture.
final class CaptureTapHandlerTests: XCTestCase {
    /// What the recorder and the handler behind the tap saw, in one list.
    private final class Log {
        var entries: [String] = []
        var times: [Timestamp] = []
    }

    private final class Recorder: CaptureTapRecorder {
        let log: Log
        var recordsWrites = true
        init(log: Log) { self.log = log }

        func record(_ event: CaptureTapHandler.Event) {
            switch event {
            case .read(let bytes, let direction, let at):
                log.entries.append("read \(direction) \(String(buffer: bytes))")
                log.times.append(at)
            case .wrote(let bytes, let direction, let at):
                log.entries.append("wrote \(direction) \(String(buffer: bytes))")
                log.times.append(at)
            case .inputEnded(let direction, _):
                log.entries.append("input ended \(direction)")
            case .outputClosed(let direction, _):
                log.entries.append("output closed \(direction)")
            case .closed:
                log.entries.append("closed")
            }
        }
    }

    /// Stands where a TLS handler would: notes each read and answers it with a write, as a handshake does.
    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let log: Log
        init(log: Log) { self.log = log }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            log.entries.append("handled \(String(buffer: bytes))")
            context.writeAndFlush(
                wrapOutboundOut(ByteBuffer(string: "answer to \(String(buffer: bytes))")), promise: nil)
        }
    }

    private let clock = CaptureClock()

    private func channel(passReadsOnFirst: Bool, log: Log) throws -> EmbeddedChannel {
        let tap = CaptureTapHandler(
            settings: .init(readDirection: .clientToServer, clock: clock, passReadsOnFirst: passReadsOnFirst),
            recorder: Recorder(log: log))
        let channel = EmbeddedChannel(handlers: [tap, Answerer(log: log)])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func testPlaintextTapRecordsAReadBeforePassingItOn() throws {
        let log = Log()
        let channel = try channel(passReadsOnFirst: false, log: log)
        try channel.writeInbound(ByteBuffer(string: "ping"))
        XCTAssertEqual(
            log.entries, ["read client->server ping", "handled ping", "wrote server->client answer to ping"])
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self), ByteBuffer(string: "answer to ping"))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testTapInFrontOfTLSRecordsWhatAReadProducedAfterTheRead() throws {
        let log = Log()
        let channel = try channel(passReadsOnFirst: true, log: log)
        try channel.writeInbound(ByteBuffer(string: "hello"))
        XCTAssertEqual(
            log.entries, ["handled hello", "read client->server hello", "wrote server->client answer to hello"],
            "what the read produced (key-log lines, the handshake's answer) comes after the read")
        XCTAssertLessThanOrEqual(log.times[1], log.times[0], "the answer keeps the time it was written")
        try channel.writeOutbound(ByteBuffer(string: "later"))
        XCTAssertEqual(log.entries.last, "wrote server->client later", "a write outside a read is recorded at once")
        _ = try channel.finish()
    }

    func testEmptyWritesAreNotRecorded() throws {
        let log = Log()
        let channel = try channel(passReadsOnFirst: false, log: log)
        try channel.writeOutbound(ByteBuffer())
        XCTAssertEqual(log.entries, [])
        _ = try channel.finish()
    }

    func testWritesTheRecorderDoesNotWantAreNotReported() throws {
        let log = Log()
        let recorder = Recorder(log: log)
        recorder.recordsWrites = false
        let tap = CaptureTapHandler(settings: .init(readDirection: .serverToClient, clock: clock), recorder: recorder)
        let channel = EmbeddedChannel(handler: tap)
        try channel.writeOutbound(ByteBuffer(string: "request"))
        try channel.writeInbound(ByteBuffer(string: "response"))
        XCTAssertEqual(log.entries, ["read server->client response"])
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self), ByteBuffer(string: "request"), "still passed on")
        _ = try channel.finish()
    }

    func testEndsAreReportedAndTheCloseOnce() throws {
        let log = Log()
        let channel = try channel(passReadsOnFirst: false, log: log)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        channel.close(mode: .output, promise: nil)
        XCTAssertEqual(log.entries, ["input ended client->server", "output closed server->client", "closed"])
        channel.embeddedEventLoop.run()
        XCTAssertEqual(log.entries.filter { $0 == "closed" }.count, 1, "closed once, though the tap is also removed")
    }

    func testEncryptedLegRecorderRecordsAGracefulEndOnlyAfterBothFINs() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tap-\(UUID().uuidString).pcapng")
        defer { try? FileManager.default.removeItem(at: file) }
        let sink = try CaptureSink(configuration: .init(path: file.path))
        let legs: [(EncryptedLegRecorder, Bool)] = [
            (
                EncryptedLegRecorder(
                    sink: sink,
                    leg: .init(id: ConnectionID(2), connection: ConnectionID(1), readDirection: .clientToServer)), true
            ),
            (
                EncryptedLegRecorder(
                    sink: sink,
                    leg: .init(id: ConnectionID(3), connection: ConnectionID(1), readDirection: .serverToClient)), false
            ),
        ]
        for (recorder, _) in legs {
            sink.submit(
                .clientConnected(
                    recorder.leg.id, client: Endpoint("127.0.0.1:\(50_000 + recorder.leg.id.rawValue)")!,
                    listener: Endpoint("127.0.0.1:443")!,
                    at: clock.now(), comment: ""))
        }
        for (recorder, graceful) in legs {
            let channel = EmbeddedChannel(handler: recorder.tap(clock: clock))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try channel.writeInbound(ByteBuffer(string: "record"))
            try channel.writeOutbound(ByteBuffer(string: "reply"))
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            if graceful { channel.close(mode: .output, promise: nil) }
            _ = try channel.finish(acceptAlreadyClosed: true)
        }
        let statistics = sink.close()
        XCTAssertEqual(statistics.payloadBytesRecorded, 2 * "recordreply".utf8.count)
        XCTAssertEqual(try TShark.streamCount(file: file.path), 2)
        let resets = try TShark.fields(file: file.path, filter: "tcp.flags.reset == 1", fields: ["tcp.stream"])
        XCTAssertEqual(resets.map { $0[0] }, ["1"], "the leg with one FIN ends with a reset, the other gracefully")
        let fins = try TShark.fields(file: file.path, filter: "tcp.flags.fin == 1", fields: ["tcp.stream"])
        XCTAssertEqual(fins.map { $0[0] }.sorted(), ["0", "0", "1"])
    }
}
