import InterposeCapture
import InterposeCore
import NIOCore

/// Where a `CaptureTapHandler` sends what it saw cross its place in a pipeline: the plaintext
/// capture (`ProxyConnection`, which adds the checks and the faults' rules) or one leg of the
/// encrypted capture (`EncryptedLegRecorder`).
protocol CaptureTapRecorder: AnyObject {
    /// One thing the tap saw, stamped with the capture clock when it crossed.
    func record(_ event: CaptureTapHandler.Event)
}
