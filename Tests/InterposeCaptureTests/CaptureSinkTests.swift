import Foundation
import InterposeCapture
import InterposeCore
import InterposeTestSupport
import NIOCore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

final class CaptureSinkTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func exchange(_ script: inout CaptureScript, _ id: UInt64, bytes: Int) {
        script.connect(id, client: "127.0.0.1:\(50_000 + id)", listener: "127.0.0.1:47000")
        script.send(id, .clientToServer, count: bytes)
        script.send(id, .serverToClient, count: bytes / 2)
        script.finish(id, .clientToServer)
        script.finish(id, .serverToClient)
        script.close(id, .graceful, comment: "connection \(id) done")
    }

    func testCaptureFileIsCreatedWithMode0600EvenWhenItExisted() throws {
        let path = directory + "/mode.pcapng"
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644]))
        let sink = try CaptureSink(configuration: .init(path: path))
        sink.close()
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testUnwritablePathThrowsErrorNamingFileAndReason() {
        let path = directory + "/missing/dir/capture.pcapng"
        XCTAssertThrowsError(try CaptureSink(configuration: .init(path: path))) { error in
            XCTAssertEqual(
                (error as? CaptureError)?.description,
                "cannot write capture file \(path): No such file or directory")
        }
    }

    func testBlockReaderReadsBackHeadersCommentsAndStatistics() throws {
        var script = CaptureScript()
        exchange(&script, 1, bytes: 100)
        var configuration = CaptureSink.Configuration(path: directory + "/blocks.pcapng")
        configuration.sectionComment = "interpose proxy 127.0.0.1:47000 -> 127.0.0.1:6379"
        configuration.recordUpstreamLeg = true
        let statistics = try script.write(to: configuration)
        let blocks = try PcapngBlockReader.readAll(path: configuration.path)

        XCTAssertEqual(blocks.first?.kind, .sectionHeader)
        XCTAssertEqual(blocks.first?.option(Pcapng.optionSHBUserApplication)?.stringValue, "Interpose")
        XCTAssertEqual(blocks.first?.comments, [configuration.sectionComment!])
        let interfaces = blocks.filter { $0.kind == .interfaceDescription }
        XCTAssertEqual(interfaces.map { $0.option(Pcapng.optionIfName)?.stringValue }, ["client-leg", "upstream-leg"])
        XCTAssertEqual(interfaces.map(\.linkType), [1, 1])
        XCTAssertEqual(interfaces.map(\.snapshotLength), [262_144, 262_144])
        XCTAssertEqual(interfaces.map { $0.option(Pcapng.optionIfTimestampResolution)?.uint8Value }, [9, 9])

        let packets = blocks.filter { $0.kind == .enhancedPacket }
        XCTAssertEqual(packets.count, statistics.packetsWritten)
        XCTAssertEqual(packets.first?.timestamp?.nanosecondsSinceEpoch, 1_700_000_000_123_457_790)
        XCTAssertEqual(packets.last?.comments, ["connection 1 done"])
        XCTAssertEqual(packets.map(\.interfaceID), packets.map { _ in 0 })  // no upstream leg opened

        let statisticsBlocks = blocks.filter { $0.kind == .interfaceStatistics }
        XCTAssertEqual(statisticsBlocks.map(\.interfaceID), [0, 1])
        XCTAssertEqual(statisticsBlocks[0].option(Pcapng.optionISBIfRecv)?.uint64Value, UInt64(packets.count))
        XCTAssertEqual(statisticsBlocks[0].option(Pcapng.optionISBIfDrop)?.uint64Value, 0)
        XCTAssertEqual(statisticsBlocks[0].option(Pcapng.optionISBStartTime)?.timestampValue, 1_700_000_000_123_457_790)
        XCTAssertEqual(
            statisticsBlocks[0].comments, ["\(packets.count) packets recorded; capture dropped 0 records (0 bytes)"])
        XCTAssertEqual(
            statistics.fileBytesWritten,
            try FileManager.default.attributesOfItem(atPath: configuration.path)[.size] as? Int)
    }

    func testBlockReaderReadsBigEndianSections() throws {
        // SHB (big-endian), IDB with if_tsresol 6, EPB with a 1-byte packet and a comment.
        var bytes: [UInt8] = []
        func be32(_ v: UInt32) {
            bytes += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        func be16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        be32(0x0A0D_0D0A); be32(28); be32(0x1A2B_3C4D); be16(1); be16(0); be32(0xFFFF_FFFF); be32(0xFFFF_FFFF); be32(28)
        be32(1); be32(32); be16(1); be16(0); be32(65_535); be16(9); be16(1); bytes += [6, 0, 0, 0]; be32(0); be32(32)
        be32(6); be32(48); be32(0); be32(0); be32(1_500_000); be32(1); be32(1)
        bytes += [0x42, 0, 0, 0]; be16(1); be16(2); bytes += Array("hi".utf8) + [0, 0]; be32(0); be32(48)
        var reader = PcapngBlockReader(bytes: bytes)
        var blocks: [PcapngBlock] = []
        while let block = try reader.next() { blocks.append(block) }
        XCTAssertEqual(blocks.map(\.kind), [.sectionHeader, .interfaceDescription, .enhancedPacket])
        XCTAssertEqual(blocks[2].packetData, [0x42])
        XCTAssertEqual(blocks[2].comments, ["hi"])
        XCTAssertEqual(blocks[2].timestamp?.nanosecondsSinceEpoch, 1_500_000_000)
        XCTAssertTrue(blocks[2].isBigEndian)
    }

    func testBlockReaderRejectsCorruptFilesWithoutCrashing() throws {
        var script = CaptureScript()
        exchange(&script, 1, bytes: 1000)
        let path = directory + "/corrupt.pcapng"
        _ = try script.write(to: .init(path: path))
        let good = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var generator = SystemRandomNumberGenerator()
        // Truncations anywhere, and random byte flips: either blocks or a PcapngFormatError, never a trap.
        for cut in stride(from: 0, to: good.count, by: 37) {
            var reader = PcapngBlockReader(bytes: Array(good[0..<cut]))
            do { while try reader.next() != nil {} } catch is PcapngFormatError {}
        }
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<4 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255) }
            var reader = PcapngBlockReader(bytes: bytes)
            do { while try reader.next() != nil {} } catch is PcapngFormatError {}
        }
        var reader = PcapngBlockReader(bytes: Array(good[0..<40]))
        XCTAssertThrowsError(try { while try reader.next() != nil {} }()) { error in
            XCTAssert("\(error)".hasPrefix("not a valid pcapng file: "), "\(error)")
        }
    }

    func testRotationWritesCompleteNumberedFilesThatTSharkReads() throws {
        var script = CaptureScript()
        for id in 1...6 { exchange(&script, UInt64(id), bytes: 300_000) }
        var configuration = CaptureSink.Configuration(path: directory + "/rotated.pcapng")
        configuration.rotateSizeBytes = 500_000
        configuration.overflow = .block
        let statistics = try script.write(to: configuration)
        XCTAssertGreaterThan(statistics.files.count, 2)
        XCTAssertEqual(statistics.files[0], configuration.path)
        XCTAssertEqual(statistics.files[1], directory + "/rotated.1.pcapng")
        XCTAssertEqual(statistics.files[2], directory + "/rotated.2.pcapng")
        var packets = 0
        for file in statistics.files {
            let blocks = try PcapngBlockReader.readAll(path: file)
            XCTAssertEqual(blocks.first?.kind, .sectionHeader, file)
            XCTAssertEqual(blocks.filter { $0.kind == .interfaceDescription }.count, 1, file)
            XCTAssertEqual(blocks.last?.kind, .interfaceStatistics, file)
            packets += blocks.filter { $0.kind == .enhancedPacket }.count
            XCTAssertEqual(try TShark.fields(file: file, filter: "_ws.malformed", fields: ["frame.number"]), [], file)
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, file)
        }
        XCTAssertEqual(packets, statistics.packetsWritten)
    }

    func testDroppedDataJumpsSequenceAndIsCommented() throws {
        let overflow = try OverflowTestSink(path: directory + "/drops.pcapng")
        let (sink, id, clock, configuration) = (overflow.sink, overflow.id, overflow.clock, overflow.configuration)
        // Fill the queue, then offer 100-byte reads until one is refused and then one accepted.
        var dropped = 0
        var attempts = 0
        while dropped == 0 && attempts < 100 {
            attempts += 1
            overflow.offerBigRead()
            while !overflow.offerSmallRead() {
                dropped += 100
            }
        }
        XCTAssertGreaterThan(dropped, 0, "the queue never overflowed")
        sink.submit(.finish(id, .clientToServer, at: clock.now()))
        sink.submit(.closed(id, .graceful, at: clock.now(), comment: "end"))
        let statistics = sink.close()
        XCTAssertEqual(statistics.droppedBytes, dropped)
        XCTAssertEqual(statistics.droppedRecords, dropped / 100)

        let comments = try PcapngBlockReader.readAll(path: configuration.path).flatMap(\.comments)
        XCTAssert(comments.contains("capture dropped \(dropped) bytes here (queue full)"), "\(comments)")
        let lost = try TShark.fields(
            file: configuration.path, filter: "tcp.analysis.lost_segment", fields: ["frame.comment", "pkt_comment"])
        XCTAssertEqual(lost.count, 1, "tshark shows exactly one gap: \(lost)")
    }

    func testFlushedFileIsReadableBeforeClose() throws {
        var configuration = CaptureSink.Configuration(path: directory + "/live.pcapng")
        configuration.flushIntervalNanoseconds = 50_000_000
        let sink = try CaptureSink(configuration: configuration)
        let clock = CaptureClock()
        let id = ConnectionID(1)
        sink.submit(
            .clientConnected(
                id, client: Endpoint("127.0.0.1:50001")!, listener: Endpoint("127.0.0.1:47000")!, at: clock.now(),
                comment: ""))
        sink.submit(.data(id, .clientToServer, ByteBuffer(string: "hello"), at: clock.now()))
        // No connection closed: only the timer flushes. As after kill -9, read the file as it is.
        Thread.sleep(forTimeInterval: 0.5)
        let blocks = try PcapngBlockReader.readAll(path: configuration.path)
        XCTAssertEqual(blocks.filter { $0.kind == .enhancedPacket }.count, 4)
        XCTAssertEqual(
            try TShark.fields(file: configuration.path, fields: ["tcp.len"]).map { $0[0] }, ["0", "0", "0", "5"])
        sink.close()
    }

    func testReaderHeldByAFullQueueIsWokenOnceTheWriterDrainedIt() throws {
        var configuration = CaptureSink.Configuration(path: directory + "/wake.pcapng")
        configuration.overflow = .block
        configuration.queueLimitBytes = 64 << 10
        let sink = try CaptureSink(configuration: configuration)
        defer { sink.close() }
        XCTAssertFalse(sink.whenBelowLimit { XCTFail("kept while below the limit") }, "an empty queue holds no one")
        let clock = CaptureClock()
        let id = ConnectionID(1)
        sink.submit(
            .clientConnected(
                id, client: Endpoint("127.0.0.1:50001")!, listener: Endpoint("127.0.0.1:47000")!, at: clock.now(),
                comment: ""))
        let woken = DispatchSemaphore(value: 0)
        var held = false
        // The writer may drain a read before the reader asks; a queue many times its limit holds it.
        for _ in 0..<20 where !held {
            sink.submit(.data(id, .clientToServer, ByteBuffer(repeating: 7, count: 32 << 20), at: clock.now()))
            held = sink.whenBelowLimit { woken.signal() }
            if !held { XCTAssertFalse(sink.isOverLimit, "not held, so below the limit") }
        }
        XCTAssertTrue(held, "a 32 MiB read over a 64 KiB limit never held the reader")
        XCTAssertEqual(woken.wait(timeout: .now() + 10), .success, "the writer drained the queue but did not wake")
        XCTAssertFalse(sink.isOverLimit)
        XCTAssertEqual(woken.wait(timeout: .now() + 0.2), .timedOut, "woken once")
    }

    func testClosingWakesReadersStillHeld() throws {
        var configuration = CaptureSink.Configuration(path: directory + "/close-wake.pcapng")
        configuration.overflow = .block
        configuration.queueLimitBytes = 64 << 10
        let sink = try CaptureSink(configuration: configuration)
        let clock = CaptureClock()
        let id = ConnectionID(1)
        sink.submit(
            .clientConnected(
                id, client: Endpoint("127.0.0.1:50001")!, listener: Endpoint("127.0.0.1:47000")!, at: clock.now(),
                comment: ""))
        let woken = DispatchSemaphore(value: 0)
        var held = 0
        for _ in 0..<20 {
            sink.submit(.data(id, .clientToServer, ByteBuffer(repeating: 7, count: 32 << 20), at: clock.now()))
            if sink.whenBelowLimit({ woken.signal() }) { held += 1 }
        }
        sink.close()
        XCTAssertFalse(sink.whenBelowLimit { XCTFail("kept after close") }, "a closed sink holds no one")
        for _ in 0..<held {
            XCTAssertEqual(woken.wait(timeout: .now() + 10), .success, "a held reader was left waiting")
        }
    }

    func testSubmitAfterCloseIsCountedAsDropped() throws {
        let sink = try CaptureSink(configuration: .init(path: directory + "/closed.pcapng"))
        let first = sink.close()
        XCTAssertFalse(
            sink.submit(.data(ConnectionID(1), .clientToServer, ByteBuffer(string: "late"), at: CaptureClock().now())))
        XCTAssertEqual(sink.statistics.droppedBytes, 4)
        XCTAssertEqual(sink.close(), first)
    }

    func testWriteErrorIsRecordedAndLaterDataCountedAsDropped() throws {
        // A file size limit makes write(2) fail with EFBIG, as a full disk fails with ENOSPC.
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, SIG_IGN)
        var limit = rlimit(rlim_cur: 1 << 20, rlim_max: saved.rlim_max)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, SIG_DFL)
        }
        var configuration = CaptureSink.Configuration(path: directory + "/full.pcapng")
        configuration.overflow = .block
        let sink = try CaptureSink(configuration: configuration)
        let clock = CaptureClock()
        let id = ConnectionID(1)
        sink.submit(
            .clientConnected(
                id, client: Endpoint("127.0.0.1:50001")!, listener: Endpoint("127.0.0.1:47000")!, at: clock.now(),
                comment: ""))
        for _ in 0..<8 {
            sink.submit(.data(id, .clientToServer, ByteBuffer(repeating: 7, count: 1 << 20), at: clock.now()))
        }
        sink.submit(.closed(id, .graceful, at: clock.now(), comment: ""))
        let statistics = sink.close()
        XCTAssertNotNil(statistics.writeError)
        XCTAssert(statistics.writeError?.contains(configuration.path) ?? false, statistics.writeError ?? "")
        XCTAssertGreaterThan(statistics.droppedBytes, 0)
        // What reached the file is still a readable capture.
        _ = try PcapngBlockReader.readAll(path: configuration.path)
    }
}
