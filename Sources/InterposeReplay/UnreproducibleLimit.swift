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

    /// Parses `--max-unreproducible`: a count (`0`, `5`) or a percentage (`1%`, `0.5%`, `100%`);
    /// `nil` for anything else or a value out of range (a negative count, a percentage outside
    /// 0...100).
    public init?(_ text: String) {
        if text.hasSuffix("%") {
            let number = text.dropLast()
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                let value = Double(number), value.isFinite, (0...100).contains(value)
            else { return nil }
            self = .percent(value)
        } else {
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else {
                return nil
            }
            self = .count(value)
        }
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
