/// One fault on a proxy, in Toxiproxy's shape: a named toxic of a type, on one direction, firing
/// with a probability, with numeric attributes (and text ones for Interpose's protocol-aware types).
///
/// The JSON form is Toxiproxy's, so its clients work unchanged:
/// `{"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1.0,
///   "attributes":{"latency":100,"jitter":10}}`.
public struct Toxic: Sendable, Hashable, Codable {
    /// The direction a toxic acts on, as Toxiproxy names them.
    public enum Stream: String, Sendable, Hashable, Codable, CaseIterable {
        /// Client to upstream (what the client sends).
        case upstream
        /// Upstream to client (what the client receives); Toxiproxy's default.
        case downstream
    }

    /// The name, unique within its proxy (`latency_downstream` by default).
    public var name: String
    /// What it does.
    public var type: ToxicType
    /// Which direction it acts on.
    public var stream: Stream
    /// The probability, 0 to 1, that it applies to a connection (Toxiproxy decides per connection).
    public var toxicity: Double
    /// The type's parameters (`latency`, `jitter` in ms; `rate` in KB/s; ...), with defaults filled in.
    public var attributes: [String: ToxicAttribute]

    /// A toxic from its parts; missing attributes take the type's defaults.
    public init(
        name: String? = nil, type: ToxicType, stream: Stream = .downstream, toxicity: Double = 1,
        attributes: [String: ToxicAttribute] = [:]
    ) {
        self.name = name ?? "\(type.rawValue)_\(stream.rawValue)"
        self.type = type
        self.stream = stream
        self.toxicity = toxicity
        self.attributes = type.defaults.merging(attributes) { _, given in given }
    }

    /// A numeric attribute, or 0 when it is absent or text.
    public func number(_ key: String) -> Double {
        if case .number(let value)? = attributes[key] { return value }
        return 0
    }

    /// A text attribute, or `nil`.
    public func text(_ key: String) -> String? {
        if case .text(let value)? = attributes[key] { return value }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case name, type, stream, toxicity, attributes
    }

    /// Decodes Toxiproxy's JSON: `type` required; `stream` defaults to downstream, `toxicity` to 1,
    /// `name` to `TYPE_STREAM`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(ToxicType.self, forKey: .type)
        let stream = try container.decodeIfPresent(Stream.self, forKey: .stream) ?? .downstream
        self.init(
            name: try container.decodeIfPresent(String.self, forKey: .name), type: type, stream: stream,
            toxicity: try container.decodeIfPresent(Double.self, forKey: .toxicity) ?? 1,
            attributes: try container.decodeIfPresent([String: ToxicAttribute].self, forKey: .attributes) ?? [:])
        try validate()
    }

    /// Checks the toxicity and attributes.
    /// - Throws: `ToxicError` naming the toxic and the bad value.
    public func validate() throws(ToxicError) {
        guard toxicity >= 0, toxicity <= 1 else { throw ToxicError("toxic \(name): toxicity must be between 0 and 1") }
        for key in attributes.keys where type.defaults[key] == nil {
            throw ToxicError(
                "toxic \(name): \(type.rawValue) has no attribute '\(key)' (it has \(type.defaults.keys.sorted().joined(separator: ", ")))"
            )
        }
        for (key, value) in attributes {
            if case .number(let number) = value, number < 0 || !number.isFinite {
                throw ToxicError("toxic \(name): \(key) must be a number of at least 0")
            }
        }
    }
}
