#if canImport(Glibc)
import Glibc
#endif

/// A `TextOutputStream` onto the process's standard error, for `print(_:to:)`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        fputs(string, stderr)
    }
}
