import Foundation
import InterposeCapture
import InterposeTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The files that hold captured traffic: regular files, mode 0600, and nothing else touched.
final class PrivateFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func mode(_ path: String, following: Bool = false) -> mode_t {
        var status = stat()
        XCTAssertEqual(following ? stat(path, &status) : lstat(path, &status), 0, path)
        return status.st_mode
    }

    private func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<unreadable>"
    }

    func testNewFileIsMode0600WhateverTheUmask() throws {
        let path = directory + "/new.pcapng"
        let old = umask(0)
        defer { umask(old) }
        let descriptor = try PrivateFile.open(path, .truncate)
        close(descriptor)
        XCTAssertEqual(mode(path) & 0o7777, 0o600)
    }

    func testExistingRegularFileBecomes0600AndIsTruncatedOrAppendedTo() throws {
        let path = directory + "/old.keylog"
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: path, contents: Data("first\n".utf8), attributes: [.posixPermissions: 0o644]))
        var descriptor = try PrivateFile.open(path, .append)
        _ = Array("second\n".utf8).withUnsafeBytes { DescriptorWriter.writeAll(descriptor, $0) }
        close(descriptor)
        XCTAssertEqual(mode(path) & 0o7777, 0o600)
        XCTAssertEqual(contents(path), "first\nsecond\n")
        chmod(path, 0o666)
        descriptor = try PrivateFile.open(path, .truncate)
        close(descriptor)
        XCTAssertEqual(mode(path) & 0o7777, 0o600)
        XCTAssertEqual(contents(path), "")
    }

    func testDevNullIsRefusedAndItsModeIsUnchanged() {
        let before = mode("/dev/null")
        XCTAssertThrowsError(try PrivateFile.open("/dev/null", .truncate)) { error in
            XCTAssertEqual(
                "\(error)",
                "/dev/null is a character device: captured traffic is written to regular files only (give a file path)")
        }
        XCTAssertEqual(mode("/dev/null"), before)
        XCTAssertEqual(before & 0o777, 0o666, "/dev/null is still writable by everyone")
    }

    func testFIFODirectoryAndSymbolicLinkAreRefusedWithoutBlockingOrFollowing() throws {
        let fifo = directory + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let started = Date()
        XCTAssertThrowsError(try PrivateFile.open(fifo, .truncate)) { error in
            XCTAssertTrue("\(error)".contains("is a FIFO"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "no wait for a reader")
        XCTAssertEqual(mode(fifo) & 0o7777, 0o644)

        XCTAssertThrowsError(try PrivateFile.open(directory, .truncate)) { error in
            XCTAssertTrue("\(error)".contains("is a directory"), "\(error)")
        }

        let target = directory + "/target"
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: target, contents: Data("keep".utf8), attributes: [.posixPermissions: 0o644]))
        let link = directory + "/link"
        XCTAssertEqual(symlink(target, link), 0)
        XCTAssertThrowsError(try PrivateFile.open(link, .truncate)) { error in
            XCTAssertTrue("\(error)".contains("is a symbolic link"), "\(error)")
        }
        XCTAssertEqual(contents(target), "keep", "the link's target is not truncated")
        XCTAssertEqual(mode(target) & 0o7777, 0o644, "nor chmod'ed")
    }

    func testCaptureSinkRefusesADeviceWithOneLine() {
        XCTAssertThrowsError(try CaptureSink(configuration: .init(path: "/dev/null"))) { error in
            XCTAssertEqual(
                (error as? CaptureError)?.description,
                "cannot write capture file /dev/null: it is a character device: captured traffic is written to "
                    + "regular files only (give a file path)")
        }
    }
}
