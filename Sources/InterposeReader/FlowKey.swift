import InterposeCapture
import InterposeCore

/// The 4-tuple of a TCP conversation, the same whichever way a packet travels.
struct FlowKey: Hashable {
    /// The lower of the two endpoints (by address, then port).
    var low: Endpoint
    /// The higher of the two endpoints.
    var high: Endpoint

    /// The key of the conversation a packet from `source` to `destination` belongs to.
    init(_ source: Endpoint, _ destination: Endpoint) {
        if FlowKey.isLess(source, destination) {
            low = source
            high = destination
        } else {
            low = destination
            high = source
        }
    }

    private static func isLess(_ a: Endpoint, _ b: Endpoint) -> Bool {
        if a.address.high != b.address.high { return a.address.high < b.address.high }
        if a.address.low != b.address.low { return a.address.low < b.address.low }
        if a.address.family != b.address.family { return a.address.family.rawValue < b.address.family.rawValue }
        return a.port < b.port
    }
}
