import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeReader

/// Compares two captures of the same client traffic exchange by exchange: the library side of
/// `interpose diff A B`, with the comparison, noise rules and report of `interpose replay`.
///
/// Conversations are paired by server port, then by the requests they sent and their start time
/// (ports only one capture has pair in order of first use, for a new build listening elsewhere);
/// exchanges are paired in request order within a pair.
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
    ///   - rules: the `--ignore` rules.
    ///   - latencyThreshold: the slowdown that earns a warning, as a fraction.
    ///   - schema: the schemas gRPC messages are read with (`--proto-descriptor`).
    /// - Returns: the report (A is "recorded", B is "replayed").
    /// - Throws: `CaptureReadError` naming the file that cannot be read.
    public static func compare(
        pathA: String, pathB: String, filter: String? = nil, forced: ApplicationProtocol? = nil,
        portHints: [UInt16: ApplicationProtocol] = [:], rules: NoiseRules = NoiseRules(),
        latencyThreshold: Double = 0.2,
        schema: ContentSchema = .none
    ) throws(CaptureReadError) -> ReplayReport {
        let a = try read(pathA, filter: filter, forced: forced, portHints: portHints)
        let b = try read(pathB, filter: filter, forced: forced, portHints: portHints)
        var comparison = ReplayComparison(rules: rules, latencyThreshold: latencyThreshold, schema: schema)
        return comparison.report(pairs(a, b), recorded: pathA, target: pathB)
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

    /// Pairs the conversations of two captures.
    ///
    /// A server port of A pairs with the same port of B; ports that only one capture has (the new
    /// build listening elsewhere) pair with each other in the order they were first used. Within a
    /// pair of ports, A's conversations in start order each take the earliest free conversation of B
    /// that sent the same requests (conversations that ran side by side may start in another order),
    /// else the same first request, else the earliest free one. A conversation without a partner is
    /// an error of its pair (`conversation only in A`).
    /// - Returns: A's conversations in start order with their partners, then B's unpaired ones.
    public static func pairs(_ a: [RecordedConversation], _ b: [RecordedConversation]) -> [ReplayComparison.Pair] {
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
        var takenB: [UInt16: Set<Int>] = [:]
        var pairs: [ReplayComparison.Pair] = []
        for conversation in sortedA {
            var partner: RecordedConversation?
            if let port = partnerPorts[conversation.descriptor.server.port], let queue = queuesB[port] {
                let taken = takenB[port, default: []]
                let free = queue.indices.filter { !taken.contains($0) }
                // Conversations that ran side by side may have started in another order in B: the
                // earliest free one that sent the same requests, else the same first request, else
                // the earliest free one.
                let requests = conversation.exchanges.map(\.fingerprint)
                let chosen =
                    free.first { queue[$0].exchanges.map(\.fingerprint) == requests }
                    ?? free.first { queue[$0].exchanges.first?.fingerprint == requests.first }
                    ?? free.first
                if let chosen {
                    partner = queue[chosen]
                    takenB[port, default: []].insert(chosen)
                }
            }
            pairs.append(pair(conversation, partner))
        }
        let unpaired = queuesB.flatMap { port, queue in
            queue.indices.filter { !(takenB[port]?.contains($0) ?? false) }.map { queue[$0] }
        }
        for conversation in unpaired.sorted(by: byStart) {
            pairs.append(pair(nil, conversation))
        }
        return pairs
    }

    private static func pair(_ a: RecordedConversation?, _ b: RecordedConversation?) -> ReplayComparison.Pair {
        let application = a?.application ?? b?.application ?? .raw
        return ReplayComparison.Pair(
            recorded: a, replayed: b,
            error: a == nil ? "conversation only in B" : b == nil ? "conversation only in A" : nil,
            application: application.rawValue)
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
}
