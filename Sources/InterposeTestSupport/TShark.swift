import Foundation

/// Runs tshark on capture files and parses what tests need from it: expert findings, followed
/// TCP streams, TCP conversations and packet fields.
///
/// tshark is the independent judge of the files Interpose writes. When it is missing every helper
/// throws (tests fail with a message naming `scripts/test`, which installs it); nothing is skipped.
public enum TShark {
    /// tshark ran but failed, or printed something the parser did not understand.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with tshark's own words.
        public var description: String
    }

    /// One direction-aware followed TCP stream (`-z follow,tcp,raw,N`).
    public struct FollowedStream: Sendable, Equatable {
        /// `IP:PORT` of node 0, the side that sent the stream's first packet (the client).
        public var node0: String
        /// `IP:PORT` of node 1.
        public var node1: String
        /// The bytes node 0 sent, in stream order.
        public var fromNode0: [UInt8]
        /// The bytes node 1 sent, in stream order.
        public var fromNode1: [UInt8]
    }

    /// One row of `-z conv,tcp`: the two endpoints as tshark printed them (`IP:PORT`, IPv6 without
    /// brackets), and the whole row for messages.
    public struct Conversation: Sendable, Equatable {
        /// `IP:PORT` of the first endpoint.
        public var endpointA: String
        /// `IP:PORT` of the second endpoint.
        public var endpointB: String
        /// The row as tshark printed it (frame and byte counts, start, duration).
        public var row: String
    }

    /// The tshark executable.
    /// - Throws: when tshark is not installed.
    public static func executable() throws -> String {
        try ProcessRunner.require("tshark", package: "tshark")
    }

    /// Runs tshark with `arguments`; throws unless it exits 0. Standard output as text.
    @discardableResult
    public static func run(_ arguments: [String], timeout: Double = 300) throws -> String {
        let result = try ProcessRunner.run(try executable(), arguments, timeout: timeout)
        guard result.status == 0, !result.timedOut else {
            throw Failure(
                description: "tshark \(arguments.joined(separator: " ")) exited \(result.status)"
                    + (result.timedOut ? " (timed out)" : "") + ": \(result.stderrText.prefix(2000))")
        }
        return result.stdoutText
    }

    /// Packets tshark flags with a TCP analysis flag or as malformed: one summary line each; empty when clean.
    public static func problemPackets(file: String) throws -> [String] {
        try run(["-r", file, "-Y", "tcp.analysis.flags || _ws.malformed"])
            .split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// tshark's expert information summary (`-q -z expert`) lines at severity Warning or Error; empty when clean.
    ///
    /// A recorded reset is a Warning ("Connection reset (RST)"): callers that wrote resets filter it out.
    public static func expertWarnings(file: String) throws -> [String] {
        // Thrift's heuristic dissector claims some random payloads and reports them as Errors; the
        // tests' payloads are patterns, not Thrift, and what they check is the TCP layer.
        let text = try run(["-r", file, "--disable-protocol", "thrift", "-q", "-z", "expert"])
        var warnings: [String] = []
        var inSevereSection = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("Errors (") || trimmed.hasPrefix("Warns (") {
                inSevereSection = true
                warnings.append(trimmed)
            } else if trimmed.hasPrefix("Notes (") || trimmed.hasPrefix("Chats (") || trimmed.hasPrefix("Comments (") {
                inSevereSection = false
            } else if inSevereSection && !trimmed.isEmpty && !trimmed.hasPrefix("=") {
                warnings.append(trimmed)
            }
        }
        return warnings
    }

    /// The number of TCP streams (`tcp.stream` values) in the file.
    public static func streamCount(file: String) throws -> Int {
        let values = try fields(file: file, filter: "tcp", fields: ["tcp.stream"]).compactMap { Int($0.first ?? "") }
        return (values.max() ?? -1) + 1
    }

    /// Follows TCP stream `stream` and returns the bytes each side sent.
    public static func followTCP(file: String, stream: Int) throws -> FollowedStream {
        let text = try run(["-r", file, "-q", "-z", "follow,tcp,raw,\(stream)"])
        var result = FollowedStream(node0: "", node1: "", fromNode0: [], fromNode1: [])
        var inBody = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("=====") {
                if inBody { break }
                continue
            }
            if line.hasPrefix("Node 0: ") {
                result.node0 = String(line.dropFirst("Node 0: ".count))
                continue
            }
            if line.hasPrefix("Node 1: ") {
                result.node1 = String(line.dropFirst("Node 1: ".count))
                inBody = true
                continue
            }
            guard inBody else { continue }
            let fromNode1 = line.hasPrefix("\t")
            guard let bytes = hexBytes(fromNode1 ? line.dropFirst() : line[...]) else {
                throw Failure(description: "unexpected follow output line: \(line.prefix(200))")
            }
            if fromNode1 { result.fromNode1 += bytes } else { result.fromNode0 += bytes }
        }
        guard !result.node0.isEmpty else {
            throw Failure(description: "tshark printed no stream \(stream) of \(file)")
        }
        return result
    }

    /// The TCP conversations of the file (`-z conv,tcp`).
    public static func conversations(file: String) throws -> [Conversation] {
        let text = try run(["-r", file, "-q", "-z", "conv,tcp"])
        var rows: [Conversation] = []
        for line in text.split(separator: "\n") where line.contains("<->") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 3, parts[1] == "<->" else { continue }
            rows.append(Conversation(endpointA: String(parts[0]), endpointB: String(parts[2]), row: String(line)))
        }
        return rows
    }

    /// Selected fields (`-T fields -e ...`) of the packets matching `filter`, one array per packet.
    public static func fields(file: String, filter: String? = nil, fields: [String]) throws -> [[String]] {
        var arguments = ["-r", file, "-T", "fields", "-E", "separator=\t"]
        if let filter { arguments += ["-Y", filter] }
        for field in fields { arguments += ["-e", field] }
        return try run(arguments).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
