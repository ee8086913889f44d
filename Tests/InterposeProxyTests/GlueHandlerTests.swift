import NIOCore
import NIOEmbedded
import XCTest

@testable import InterposeProxy

#if canImport(Glibc)
    import Glibc
#endif

/// The byte pump between a connection's two channels, on `EmbeddedChannel`s: forwarding, half-close,
/// reset, and reads held by the partner's writability, the faults and the capture queue.
final class GlueHandlerTests: XCTestCase {
    private var loop: EmbeddedEventLoop!
    private var delegate: RecordingGlueDelegate!
    private var client: EmbeddedChannel!
    private var upstream: EmbeddedChannel!
    private var clientHead: PipelineEventRecorder!
    private var upstreamHead: PipelineEventRecorder!
    private var clientGlue: GlueHandler!
    private var upstreamGlue: GlueHandler!

    override func setUpWithError() throws {
        loop = EmbeddedEventLoop()
        delegate = RecordingGlueDelegate()
        (clientGlue, upstreamGlue) = GlueHandler.matchedPair(for: delegate)
        clientHead = PipelineEventRecorder()
        upstreamHead = PipelineEventRecorder()
        client = EmbeddedChannel(handlers: [clientHead, clientGlue], loop: loop)
        upstream = EmbeddedChannel(loop: loop)
        try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    override func tearDown() {
        _ = try? client.finish()
        _ = try? upstream.finish()
    }

    /// Connects the upstream channel and joins its glue, as `ProxyConnection` does once connected.
    private func connectUpstream() throws {
        try upstream.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try upstream.pipeline.syncOperations.addHandlers(upstreamHead, upstreamGlue)
    }

    func testClientActiveIsReportedOnce() throws {
        XCTAssertEqual(delegate.events, [.clientActive])
    }

    func testBytesReadOnOneSideAreWrittenAndFlushedOnTheOther() throws {
        try connectUpstream()
        try client.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        XCTAssertEqual(upstreamHead.events, [.write("GET / HTTP/1.1\r\n"), .flush])
        try upstream.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\n"))
        XCTAssertEqual(clientHead.events, [.write("HTTP/1.1 200 OK\r\n"), .flush])
        XCTAssertEqual(
            delegate.events,
            [.clientActive, .read(.client, "GET / HTTP/1.1\r\n"), .read(.upstream, "HTTP/1.1 200 OK\r\n")])
    }

    func testBytesReadBeforeTheUpstreamExistsAreWrittenOnceItIsJoined() throws {
        try client.writeInbound(ByteBuffer(string: "early"))
        client.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertEqual(delegate.events, [.clientActive, .read(.client, "early"), .finish(.client)])
        try connectUpstream()
        XCTAssertEqual(upstreamHead.events, [.write("early"), .flush, .write(""), .flush, .close(.output)])
    }

    func testClientFINHalfClosesTheUpstreamAfterWhatWasWritten() throws {
        try connectUpstream()
        try client.writeInbound(ByteBuffer(string: "last"))
        client.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertEqual(upstreamHead.events, [.write("last"), .flush, .write(""), .flush, .close(.output)])
        XCTAssertEqual(delegate.events.last, .finish(.client))
        XCTAssertTrue(upstream.isActive, "a half-close, not a close")
    }

    func testUpstreamErrorIsReportedAndResetsBothSides() throws {
        try connectUpstream()
        upstream.pipeline.fireErrorCaught(IOError(errnoCode: ECONNRESET, reason: "read"))
        loop.run()
        XCTAssertFalse(client.isActive)
        XCTAssertFalse(upstream.isActive)
        XCTAssertEqual(delegate.events.first(where: { $0 != .clientActive }), .fail(.upstream))
        XCTAssertTrue(delegate.events.contains(.closed(.upstream)))
        XCTAssertTrue(delegate.events.contains(.closed(.client)))
        XCTAssertFalse(delegate.events.contains(.abort(.upstream)), "a failure is not also an abort")
        XCTAssertTrue(clientHead.events.contains(.close(.all)))
    }

    func testReadsWaitForTheUpstreamToConnectAndToBeWritable() throws {
        client.read()
        XCTAssertEqual(clientHead.reads, 0, "nothing to write to yet")
        try connectUpstream()
        XCTAssertEqual(clientHead.reads, 1, "the held read goes once the upstream is joined")
        upstream.isWritable = false
        client.read()
        XCTAssertEqual(clientHead.reads, 1, "the partner is not writable")
        upstream.isWritable = true
        upstream.pipeline.fireChannelWritabilityChanged()
        XCTAssertEqual(clientHead.reads, 2)
    }

    func testReadsHeldByTheFaultsGoOnceTheyRelease() throws {
        try connectUpstream()
        delegate.faultsHold = [.upstream]
        client.read()
        XCTAssertEqual(clientHead.reads, 0)
        delegate.faultsHold = []
        upstreamGlue.faultsReleased()
        XCTAssertEqual(clientHead.reads, 1)
    }

    func testReadsHeldByTheCaptureQueueGoWhenItDrainsAndAreAskedOnce() throws {
        try connectUpstream()
        delegate.captureHolds = true
        client.read()
        client.read()
        XCTAssertEqual(clientHead.reads, 0)
        XCTAssertEqual(delegate.captureHoldsAsked, [.client], "one wake-up asked for while waiting")
        upstreamGlue.captureDrained()
        XCTAssertEqual(clientHead.reads, 0, "the other side was not waiting")
        delegate.captureHolds = false
        clientGlue.captureDrained()
        XCTAssertEqual(clientHead.reads, 1)
        clientGlue.captureDrained()
        XCTAssertEqual(clientHead.reads, 1, "woken once")
    }
}
