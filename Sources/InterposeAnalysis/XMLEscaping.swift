/// Escaping for XML 1.0 and HTML text and attribute values, shared by the JUnit and HTML reports.
///
/// `&`, `<`, `>`, `"` and `'` become entities; tab and newline stay; every other character XML 1.0
/// forbids (C0 controls such as NUL or ESC, U+FFFE, U+FFFF) becomes `?`, because a parser rejects
/// the whole document for one of them.
public enum XMLEscaping {
    /// `text` safe inside XML or HTML text and inside a double- or single-quoted attribute value.
    public static func escape(_ text: String) -> String {
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
                    out += "?"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
