import InterposeCore

/// How many `unreproducible` messages a replay may have before it proves nothing
/// (`--max-unreproducible`): past the limit the replay fails (exit status 1) whatever the target
/// did, because too little of the recording was reproduced by the old build to judge the new one.
public enum UnreproducibleLimit: Sendable, Hashable, CustomStringConvertible {
    /// The default: none at all when fewer than 100 messages were compared, otherwise at most 1 %.
    case automatic
    /// At most this many messages (`--max-unreproducible 5`).
    case count(Int)
    /// At most this percentage of the messages compared, from 0 to 100 (`--max-unreproducible 1%`).
    case percent(Double)

    /// The fewest messages compared for which the default allows 1 % rather than none.
    public static let automaticMinimumMessages = 100

    /// Parses `--max-unreproducible`: a count in `NumberRange.unreproducibleCount` (`0`, `5`) or a
    /// percentage in `NumberRange.unreproduciblePercent` followed by `%` (`1%`, `0.5%`, `100%`).
    /// - Throws: `NumberRangeError` naming both forms, for anything else (`-1`, `101%`, `nan%`).
    public init(parsing text: String) throws(NumberRangeError) {
        let percent = NumberRange<Double>.unreproduciblePercent.bounds
        let allowed =
            "\(NumberRange<Int>.unreproducibleCount.allowed) or a percentage from "
            + "\(Int(percent.lowerBound))% to \(Int(percent.upperBound))%"
        do {
            if text.hasSuffix("%") {
                self = .percent(try NumberRange.unreproduciblePercent.parse(String(text.dropLast())))
            } else {
                self = .count(try NumberRange.unreproducibleCount.parse(text))
            }
        } catch {
            throw NumberRangeError(name: nil, allowed: allowed, given: text)
        }
    }

    /// `init(parsing:)` without the error: `nil` for a value it refuses.
    public init?(_ text: String) {
        guard let limit = try? Self(parsing: text) else { return nil }
        self = limit
    }

    /// Whether `unreproducible` of `compared` messages is more than the limit allows.
    public func isExceeded(unreproducible: Int, compared: Int) -> Bool {
        switch self {
        case .automatic:
            return compared < Self.automaticMinimumMessages
                ? unreproducible > 0 : Double(unreproducible) * 100 > Double(compared)
        case .count(let most):
            return unreproducible > most
        case .percent(let most):
            return Double(unreproducible) * 100 > most * Double(compared)
        }
    }

    /// The limit in force for `compared` messages, for the verdict line: `0`, `1 %`, `5`, `0.5 %`.
    public func allowed(compared: Int) -> String {
        switch self {
        case .automatic: return compared < Self.automaticMinimumMessages ? "0" : "1 %"
        case .count(let most): return String(most)
        case .percent(let most): return Self.percentText(most) + " %"
        }
    }

    /// `automatic`, `5`, `1%`: as the flag is written.
    public var description: String {
        switch self {
        case .automatic: return "automatic"
        case .count(let most): return String(most)
        case .percent(let most): return Self.percentText(most) + "%"
        }
    }

    private static func percentText(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
