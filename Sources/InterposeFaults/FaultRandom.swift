/// The random choices of one toxic on one connection (toxicity, jitter, slice sizes, which requests):
/// SplitMix64, so that with a seed the same connection and toxic draw the same numbers every run.
///
/// ```swift
/// var random = FaultRandom(seed: 42, connection: 7, toxic: "latency_downstream")
/// let applies = random.nextUnit() < toxic.toxicity
/// ```
public struct FaultRandom: Sendable, Hashable {
    private var state: UInt64

    /// A generator for one toxic on one connection.
    /// - Parameters:
    ///   - seed: `--seed`; `nil` draws a random one.
    ///   - connection: the connection's id.
    ///   - toxic: the toxic's name.
    public init(seed: UInt64?, connection: UInt64, toxic: String) {
        guard let seed else {
            var system = SystemRandomNumberGenerator()
            state = system.next()
            return
        }
        var name: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in toxic.utf8 {
            name = (name ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        state = FaultRandom.mix(seed) ^ FaultRandom.mix(connection &+ 0x9e37_79b9_7f4a_7c15) ^ name
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return FaultRandom.mix(state)
    }

    /// A number in 0 ..< 1.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }

    /// A number in `-spread ... spread`, uniform.
    public mutating func nextSpread(_ spread: Double) -> Double {
        spread <= 0 ? 0 : (nextUnit() * 2 - 1) * spread
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
