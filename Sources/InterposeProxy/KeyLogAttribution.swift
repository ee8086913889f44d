import InterposeCapture
import InterposeCore
import NIOPosix

/// Which intercepted connection the TLS library is working for on this thread, so a key-log line
/// (which the library reports without saying whose it is) goes into the encrypted capture with it.
///
/// TLS work happens synchronously inside a channel's read or a handler's setup on its event loop;
/// `CaptureTapHandler` (in front of TLS) and `ProxyConnection` set the connection around those calls.
enum KeyLogAttribution {
    /// Only ever touched by the thread that owns it.
    private final class Box: @unchecked Sendable {
        var connection: ConnectionID?
    }

    private static let current = ThreadSpecificVariable<Box>()

    /// The connection whose TLS work is running on this thread, if any.
    static var connection: ConnectionID? {
        current.currentValue?.connection
    }

    /// Runs `body` with `connection` as this thread's current connection.
    static func with<T>(_ connection: ConnectionID, _ body: () throws -> T) rethrows -> T {
        let box: Box
        if let existing = current.currentValue {
            box = existing
        } else {
            box = Box()
            current.currentValue = box
        }
        let previous = box.connection
        box.connection = connection
        defer { box.connection = previous }
        return try body()
    }
}
