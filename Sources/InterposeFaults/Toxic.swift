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

    /// A numeric attribute: its value, or its default when it was not given. Validated toxics hold
    /// only numbers in the attribute's range here.
    public func number(_ key: ToxicAttributeKey) -> Double {
        if case .number(let value)? = attributes[key.name] { return value }
        if case .number(let value) = key.defaultValue { return value }
        return 0
    }

    /// A whole-number attribute (a count, a status), as an integer.
    public func count(_ key: ToxicAttributeKey) -> Int {
        Int(exactly: number(key).rounded()) ?? 0
    }

    /// A text attribute: its value, or its default.
    public func text(_ key: ToxicAttributeKey) -> String? {
        if case .text(let value)? = attributes[key.name] { return value }
        if case .text(let value) = key.defaultValue { return value }
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
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            guard let attribute = type.attribute(named: key) else {
                throw ToxicError(
                    "toxic \(name): \(type.rawValue) has no attribute '\(key)' (it has \(type.attributes.map(\.name).joined(separator: ", ")))"
                )
            }
            if let problem = attribute.problem(with: value) { throw ToxicError("toxic \(name): \(problem)") }
        }
    }
}
