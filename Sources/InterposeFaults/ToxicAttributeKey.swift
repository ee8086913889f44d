/// One attribute a toxic type takes: its name in Toxiproxy's JSON, its default, its unit and the
/// values it may have.
///
/// Every number is whole, as Toxiproxy's are (its attributes are integers). The stages read
/// attributes through these keys (`toxic.number(.latency)`), never by a string, and
/// `Toxic.validate()` refuses a value outside `range` (or a fraction where a count is needed) with
/// the toxic, the attribute and the allowed range named, so no value from the command line, the
/// config file or the control API reaches a conversion that could trap.
public struct ToxicAttributeKey: Sendable, Hashable, CustomStringConvertible {
    /// The name in Toxiproxy's JSON and on the command line (`latency`, `average_size`).
    public let name: String
    /// The value when it is not given.
    public let defaultValue: ToxicAttribute
    /// The numbers allowed, or `nil` for a text attribute.
    public let range: ClosedRange<Double>?
    /// Whether the number must be whole (a status code, a byte count).
    public let isWholeNumber: Bool
    /// The unit the number is in, for help and errors (`ms`, `KB/s`, `bytes`).
    public let unit: String

    private init(
        _ name: String, _ defaultValue: ToxicAttribute, _ range: ClosedRange<Double>?, whole: Bool = false,
        unit: String = ""
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.range = range
        self.isWholeNumber = whole
        self.unit = unit
    }

    public var description: String { name }

    /// The longest time any toxic may hold data or a connection: one day, in milliseconds.
    static let longestMilliseconds = 86_400_000.0

    /// `latency`: ms added to each chunk.
    public static let latency = ToxicAttributeKey("latency", 0, 0...3_600_000, whole: true, unit: "ms")
    /// `jitter`: ms, plus or minus, around `latency`.
    public static let jitter = ToxicAttributeKey("jitter", 0, 0...3_600_000, whole: true, unit: "ms")
    /// `rate`: KB/s (Toxiproxy's KB, 1000 bytes) for `bandwidth`; 0 lets everything through.
    public static let rate = ToxicAttributeKey("rate", 0, 0...100_000_000, whole: true, unit: "KB/s")
    /// `average_size`: bytes per slice for `slicer`.
    public static let averageSize = ToxicAttributeKey("average_size", 0, 0...16_777_216, whole: true, unit: "bytes")
    /// `size_variation`: bytes, plus or minus, around `average_size`.
    public static let sizeVariation = ToxicAttributeKey(
        "size_variation", 0, 0...16_777_216, whole: true, unit: "bytes")
    /// `delay` of `slicer`: µs between slices.
    public static let sliceDelay = ToxicAttributeKey("delay", 0, 0...60_000_000, whole: true, unit: "µs")
    /// `timeout` of `timeout` and `reset_peer`: ms before the connection is closed or reset.
    public static let timeout = ToxicAttributeKey("timeout", 0, 0...longestMilliseconds, whole: true, unit: "ms")
    /// `bytes` of `limit_data`: how many bytes go through before the close.
    public static let bytes = ToxicAttributeKey("bytes", 0, 0...1e15, whole: true, unit: "bytes")
    /// `delay` of `slow_close` and `connect_delay`: ms.
    public static let delay = ToxicAttributeKey("delay", 0, 0...longestMilliseconds, whole: true, unit: "ms")
    /// `status` of `http_status`: the HTTP status code answered.
    public static let status = ToxicAttributeKey("status", 503, 100...599, whole: true)
    /// `retry_after` of `http_status`: the Retry-After seconds sent (0: no header).
    public static let retryAfter = ToxicAttributeKey("retry_after", 0, 0...86_400, whole: true, unit: "s")
    /// `error` of `redis_error`: the error text answered (one line, without the leading `-`).
    public static let error = ToxicAttributeKey(
        "error", "BUSY Redis is busy running a script (injected by interpose)", nil)
    /// `requests` of `drop_after_requests`: complete requests before the close.
    public static let requests = ToxicAttributeKey("requests", 1, 0...1e12, whole: true, unit: "requests")

    /// The longest `error` text.
    static let textLimit = 1024

    /// Why `value` is not a valid value of this attribute, or `nil` when it is.
    func problem(with value: ToxicAttribute) -> String? {
        switch (value, range) {
        case (.number(let number), let range?):
            let allowed =
                "a \(isWholeNumber ? "whole number" : "number") from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))\(unit.isEmpty ? "" : " (\(unit))")"
            guard number.isFinite, range.contains(number) else {
                return "\(name) must be \(allowed), not \(Self.format(number))"
            }
            if isWholeNumber, number != number.rounded() { return "\(name) must be \(allowed), not \(number)" }
            return nil
        case (.text, .some):
            return "\(name) must be a number"
        case (.number, nil):
            return "\(name) must be text"
        case (.text(let text), nil):
            if text.isEmpty { return "\(name) must not be empty" }
            if text.utf8.count > Self.textLimit { return "\(name) must be at most \(Self.textLimit) bytes" }
            if text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) { return "\(name) must be one line" }
            return nil
        }
    }

    /// `100`, `0.5`, `3600000`, `1e+14`.
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
