/// How fast a replay goes: the recorded pacing scaled by a factor, or as fast as the target answers.
public enum ReplaySpeed: Sendable, Hashable, CustomStringConvertible {
    /// The recorded pacing divided by the factor (`--speed 1` is the recorded pacing, `--speed 10`
    /// ten times faster).
    case factor(Double)
    /// No pauses: each write as soon as the replies it waits for have arrived (`--speed max`).
    case max

    /// Parses `--speed`: a positive number or `max`; `nil` otherwise.
    public init?(_ text: String) {
        if text == "max" {
            self = .max
        } else if let factor = Double(text), factor > 0, factor.isFinite {
            self = .factor(factor)
        } else {
            return nil
        }
    }

    /// A recorded interval at this speed, in nanoseconds (0 at `max`).
    public func scale(_ nanoseconds: Int64) -> Int64 {
        switch self {
        case .max: return 0
        case .factor(let factor): return Int64((Double(Swift.max(0, nanoseconds)) / factor).rounded())
        }
    }

    /// `1`, `10`, `max`.
    public var description: String {
        switch self {
        case .max: return "max"
        case .factor(let factor): return factor == factor.rounded() ? String(Int(factor)) : String(factor)
        }
    }
}
