import InterposeCapture
import InterposeProtocols
import InterposeReader

/// Compares two captures of the same client traffic exchange by exchange: the library side of
/// `interpose diff A B`.
///
/// Conversations are paired by server port and then by start time (the n-th conversation to port P
/// in A with the n-th to P in B; ports only one capture has pair in order of first use, for a new
/// build listening elsewhere); exchanges are paired in request order within a pair. An exchange is
/// `same` when its request fingerprint, response status and response content fingerprint agree.
///
/// ```swift
/// let report = try CaptureDiff.compare(pathA: "today.pcapng", pathB: "tomorrow.pcapng")
/// print(report.renderText())
/// ```
public enum CaptureDiff {
    /// Reads both captures and compares them.
    /// - Parameters:
    ///   - pathA: the old capture.
    ///   - pathB: the new capture.
    ///   - filter: a BPF expression applied to both.
    ///   - forced: read every conversation as this protocol instead of detecting it.
    ///   - portHints: protocols by server port.
    /// - Returns: the report.
    /// - Throws: `CaptureReadError` naming the file that cannot be read.
    public static func compare(
        pathA: String, pathB: String, filter: String? = nil, forced: ApplicationProtocol? = nil,
        portHints: [UInt16: ApplicationProtocol] = [:]
    ) throws(CaptureReadError) -> CaptureDiffReport {
        let a = try read(pathA, filter: filter, forced: forced, portHints: portHints)
        let b = try read(pathB, filter: filter, forced: forced, portHints: portHints)
        return CaptureDiffReport(
            pathA: pathA, pathB: pathB, conversationsA: a.count, conversationsB: b.count,
            exchanges: compare(a, b))
    }

    /// Reads one capture into its conversations and exchanges.
    /// - Throws: `CaptureReadError` when the file cannot be read at all.
    public static func read(
        _ path: String, filter: String? = nil, forced: ApplicationProtocol? = nil,
        portHints: [UInt16: ApplicationProtocol] = [:]
    ) throws(CaptureReadError) -> [RecordedConversation] {
        let reader = try CaptureReader(path: path, filter: filter)
        var collector = ExchangeCollector(forced: forced, portHints: portHints)
        _ = reader.read(into: &collector)
        return collector.conversations
    }

    /// Pairs the conversations of two captures and compares their exchanges.
    ///
    /// A server port of A pairs with the same port of B; ports that only one capture has (the new
    /// build listening elsewhere) pair with each other in the order they were first used. Within a
    /// pair of ports, the n-th conversation of A pairs with the n-th of B by start time.
    /// - Returns: a row per exchange (and one per conversation without a partner and without requests).
    public static func compare(_ a: [RecordedConversation], _ b: [RecordedConversation]) -> [ExchangeDiff] {
        let byStart: (RecordedConversation, RecordedConversation) -> Bool = {
            ($0.start, $0.descriptor.id) < ($1.start, $1.descriptor.id)
        }
        let sortedA = a.sorted(by: byStart)
        let sortedB = b.sorted(by: byStart)
        var queuesB: [UInt16: [RecordedConversation]] = [:]
        for conversation in sortedB {
            queuesB[conversation.descriptor.server.port, default: []].append(conversation)
        }
        let partnerPorts = pairPorts(a: firstUse(sortedA), b: firstUse(sortedB))
        var takenB: [UInt16: Int] = [:]
        var rows: [ExchangeDiff] = []
        for conversation in sortedA {
            var partner: RecordedConversation?
            if let port = partnerPorts[conversation.descriptor.server.port], let queue = queuesB[port] {
                let position = takenB[port, default: 0]
                if position < queue.count {
                    partner = queue[position]
                    takenB[port] = position + 1
                }
            }
            rows += compare(conversation, partner)
        }
        let unpaired = queuesB.flatMap { port, queue in queue.dropFirst(takenB[port, default: 0]) }
        for conversation in unpaired.sorted(by: byStart) {
            rows += compare(nil, conversation)
        }
        return rows
    }

    /// Server ports in the order of their first conversation.
    private static func firstUse(_ sorted: [RecordedConversation]) -> [UInt16] {
        var seen = Set<UInt16>()
        return sorted.map(\.descriptor.server.port).filter { seen.insert($0).inserted }
    }

    /// A's ports to B's: the same port where B has it, the others in order of first use.
    private static func pairPorts(a: [UInt16], b: [UInt16]) -> [UInt16: UInt16] {
        let setA = Set(a)
        let setB = Set(b)
        var pairs: [UInt16: UInt16] = [:]
        for port in a where setB.contains(port) { pairs[port] = port }
        for (portA, portB) in zip(a.filter { !setB.contains($0) }, b.filter { !setA.contains($0) }) {
            pairs[portA] = portB
        }
        return pairs
    }

    private static func compare(_ a: RecordedConversation?, _ b: RecordedConversation?) -> [ExchangeDiff] {
        let exchangesA = a?.exchanges ?? []
        let exchangesB = b?.exchanges ?? []
        let idA = a?.descriptor.id
        let idB = b?.descriptor.id
        if exchangesA.isEmpty && exchangesB.isEmpty {
            // A conversation without requests still counts when its partner is missing.
            if a == nil || b == nil {
                return [
                    ExchangeDiff(
                        connectionA: idA, connectionB: idB, request: "(conversation without requests)",
                        status: a == nil ? .extra : .missing, old: nil, new: nil,
                        detail: a == nil ? "conversation only in B" : "conversation only in A")
                ]
            }
            return []
        }
        return (0..<max(exchangesA.count, exchangesB.count)).map { index in
            ExchangeDiff.compare(
                index < exchangesA.count ? exchangesA[index] : nil, index < exchangesB.count ? exchangesB[index] : nil,
                connectionA: idA, connectionB: idB)
        }
    }
}
