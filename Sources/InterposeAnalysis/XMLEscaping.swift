/// Escaping for XML 1.0 and HTML text and attribute values, shared by the JUnit and HTML reports.
///
/// `&`, `<`, `>`, `"` and `'` become entities; tab and newline stay; every other character XML 1.0
/// forbids (C0 controls such as NUL or ESC, U+FFFE, U+FFFF) is replaced, because a parser rejects
/// the whole document for one of them.
public enum XMLEscaping {
    /// What a forbidden control character becomes.
    public enum ControlReplacement: Sendable {
        /// `?`: for machine-read XML (JUnit).
        case questionMark
        /// The Unicode control picture (`␀`, `␛`), or `�` where there is none: for pages people read.
        case picture
    }

    /// `text` safe inside XML or HTML text and inside a double- or single-quoted attribute value.
    public static func escape(_ text: String, controls: ControlReplacement = .questionMark) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    switch controls {
                    case .questionMark:
                        out += "?"
                    case .picture:
                        // U+2400 CONTROL PICTURE FOR NULL onwards mirror 0x00-0x1F one to one.
                        let picture = scalar.value < 0x20 ? Unicode.Scalar(0x2400 + scalar.value) : nil
                        out.unicodeScalars.append(picture ?? "\u{FFFD}")
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
