import InterposeCore

/// How fast a replay goes: the recorded pacing scaled by a factor, or as fast as the target answers.
public enum ReplaySpeed: Sendable, Hashable, CustomStringConvertible {
    /// The recorded pacing divided by the factor (`--speed 1` is the recorded pacing, `--speed 10`
    /// ten times faster).
    case factor(Double)
    /// No pauses: each write as soon as the replies it waits for have arrived (`--speed max`).
    case max

    /// Parses `--speed`: `max`, or a factor in `NumberRange.replaySpeed` (0.001 to 1000000).
    /// - Throws: `NumberRangeError` naming the range, for anything else (`0`, `inf`, `1e-300`).
    public init(parsing text: String) throws(NumberRangeError) {
        if text == "max" {
            self = .max
            return
        }
        do {
            self = .factor(try NumberRange.replaySpeed.parse(text))
        } catch {
            throw NumberRangeError(name: nil, allowed: "max or \(error.allowed)", given: text)
        }
    }

    /// A recorded interval at this speed, in nanoseconds (0 at `max`).
    public func scale(_ nanoseconds: Int64) -> Int64 {
        switch self {
        case .max: return 0
        case .factor(let factor): return Int64(saturating: (Double(Swift.max(0, nanoseconds)) / factor).rounded())
        }
    }

    /// `1`, `10`, `max`.
    public var description: String {
        switch self {
        case .max: return "max"
        case .factor(let factor): return factor == factor.rounded() ? String(Int(saturating: factor)) : String(factor)
        }
    }
}
