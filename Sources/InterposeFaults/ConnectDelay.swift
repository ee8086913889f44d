import InterposeCore

/// How long a new connection's upstream connect is held (connect_delay), decided once per connection.
public enum ConnectDelay {
    /// The total delay of the connect_delay toxics that apply to this connection, and their notes.
    /// - Parameters:
    ///   - toxics: the proxy's toxics now (stream is ignored: a connect has no direction).
    ///   - connection: the connection's id, part of the random seed.
    ///   - seed: `--seed`; `nil` for random choices.
    public static func decide(_ toxics: [Toxic], connection: UInt64, seed: UInt64?) -> (
        milliseconds: Double, notes: [String]
    ) {
        var total = 0.0
        var notes: [String] = []
        for toxic in toxics where toxic.type == .connectDelay {
            var random = FaultRandom(seed: seed, connection: connection, toxic: toxic.name)
            guard random.nextUnit() < toxic.toxicity else { continue }
            let delay = toxic.number(.delay)
            total += delay
            notes.append("\(toxic.name): upstream connect held \(Int(saturating: delay)) ms")
        }
        return (total, notes)
    }
}
