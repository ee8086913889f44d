import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// tcpdump capturing on the loopback interface into a pcap file while a test runs real clients
/// and servers: started with `-U --immediate-mode` (without immediate mode, packets still in
/// libpcap's ring buffer when SIGINT arrives are lost), ready when it says it is listening,
/// stopped with SIGINT so the file is complete.
public final class LoopbackCapture: @unchecked Sendable {
    /// The capture file.
    public let path: String
    private let process: BackgroundProcess

    /// Starts capturing TCP on `ports` into `path`.
    /// - Throws: when tcpdump is missing (install `tcpdump`) or does not start listening.
    public init(path: String, ports: [UInt16]) throws {
        let tcpdump = try ProcessRunner.require("tcpdump", package: "tcpdump")
        self.path = path
        let filter = ports.map { "tcp port \($0)" }.joined(separator: " or ")
        var arguments = ["-i", "lo", "-U", "--immediate-mode", "-B", "65536", "-n", "-s", "0", "-w", path]
        if getuid() == 0 { arguments += ["-Z", "root"] }
        process = try BackgroundProcess(tcpdump, arguments + [filter])
        try process.waitForOutput(containing: "listening on", timeout: 20)
    }

    deinit {
        process.stop()
    }

    /// Stops tcpdump (SIGINT, as an operator would) and waits until the file is complete.
    /// - Returns: what tcpdump said on standard error (its packet counts).
    @discardableResult
    public func stop() -> String {
        // Let the last packets reach tcpdump before it is told to stop.
        usleep(300_000)
        process.signal(SIGINT)
        _ = process.waitForExit(timeout: 10)
        process.stop()
        return process.stderrText
    }
}
