import Foundation
import InterposeTestSupport

/// Two network namespaces joined by a veth pair, owned by one test: a client side at
/// 10.200.N.1 and a server side at 10.200.N.2. `remove()` deletes both namespaces, which takes
/// the veth and every iptables rule inside them along.
final class NamespacePair: @unchecked Sendable {
    /// An `ip` command that failed, with its output.
    struct Failure: Error, CustomStringConvertible {
        /// The command and what it printed.
        var description: String
    }

    /// The client-side namespace.
    let client: String
    /// The server-side namespace.
    let server: String
    /// The client's address.
    let clientAddress: String
    /// The server side's address.
    let serverAddress: String

    /// Creates the namespaces, the veth pair, the addresses, and brings the links (and `lo`) up.
    /// - Throws: when `ip` fails (it needs root), after removing what was made.
    init() throws {
        let tag = String(UInt32.random(in: 0..<0xFFFFFF), radix: 16)
        let subnet = Int.random(in: 1...250)
        client = "ipx-c-\(tag)"
        server = "ipx-s-\(tag)"
        clientAddress = "10.200.\(subnet).1"
        serverAddress = "10.200.\(subnet).2"
        let vethServer = "ipxs\(tag)"
        let vethClient = "ipxc\(tag)"
        do {
            try NamespacePair.ip(["netns", "add", client])
            try NamespacePair.ip(["netns", "add", server])
            try NamespacePair.ip(["link", "add", vethServer, "type", "veth", "peer", "name", vethClient])
            try NamespacePair.ip(["link", "set", vethServer, "netns", server])
            try NamespacePair.ip(["link", "set", vethClient, "netns", client])
            try NamespacePair.ip(["-n", server, "addr", "add", "\(serverAddress)/24", "dev", vethServer])
            try NamespacePair.ip(["-n", client, "addr", "add", "\(clientAddress)/24", "dev", vethClient])
            for (namespace, link) in [(server, vethServer), (client, vethClient), (server, "lo"), (client, "lo")] {
                try NamespacePair.ip(["-n", namespace, "link", "set", link, "up"])
            }
        } catch {
            remove()
            _ = try? ProcessRunner.run("ip", ["link", "del", vethServer], timeout: 10)
            throw error
        }
    }

    /// Runs a command inside `namespace` and waits for it.
    func run(in namespace: String, _ command: [String], timeout: Double = 15) throws -> ProcessRunner.Result {
        try ProcessRunner.run("ip", ["netns", "exec", namespace] + command, timeout: timeout)
    }

    /// Starts a command inside `namespace` in the background (`ip netns exec` execs it: the pid is its own).
    func start(in namespace: String, _ command: [String]) throws -> BackgroundProcess {
        try BackgroundProcess("ip", ["netns", "exec", namespace] + command)
    }

    /// Deletes both namespaces (and with them the veth pair and their iptables rules).
    func remove() {
        for namespace in [client, server] {
            _ = try? ProcessRunner.run("ip", ["netns", "del", namespace], timeout: 10)
        }
    }

    private static func ip(_ arguments: [String]) throws {
        let result = try ProcessRunner.run("ip", arguments, timeout: 10)
        guard result.status == 0 else {
            throw Failure(
                description: "ip \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderrText)")
        }
    }
}
