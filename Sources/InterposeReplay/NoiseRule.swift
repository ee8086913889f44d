/// One `--ignore` rule: a field to leave out of comparisons, or a pattern to mask in every value.
public enum NoiseRule: Sendable, Hashable, CustomStringConvertible {
    /// `header:NAME`: an HTTP header, any case (`header:Date` matches `header:date`).
    case header(String)
    /// `json:$.PATH`: a JSON value and everything under it; `[*]` is any index, `*` any key.
    case json(String)
    /// `field:PATH`: any field by path and everything under it, with the same wildcards
    /// (`field:row[*].updated_at`, `field:reply[0]`).
    case field(String)
    /// `regex:PATTERN`: every match in every value of both sides is replaced by `<ignored>` before
    /// comparing, so a uuid inside a longer string stops mattering.
    case regex(String)

    /// The rule as it is written on the command line: `header:date`.
    public var description: String {
        switch self {
        case .header(let name): return "header:" + name
        case .json(let path): return "json:" + path
        case .field(let path): return "field:" + path
        case .regex(let pattern): return "regex:" + pattern
        }
    }

    /// The field path pattern the rule silences (`header:date`, `json:$.a`); `nil` for a regex.
    public var fieldPattern: String? {
        switch self {
        case .header(let name): return "header:" + name.lowercased()
        case .json(let path): return "json:" + path
        case .field(let path): return path
        case .regex: return nil
        }
    }
}
