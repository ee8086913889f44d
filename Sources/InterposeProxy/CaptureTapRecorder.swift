import InterposeCapture
import InterposeCore
import NIOCore

/// Where a `CaptureTapHandler` sends what it saw cross its place in a pipeline: the plaintext
/// capture (`ProxyConnection`, which adds the checks and the faults' rules) or one leg of the
/// encrypted capture (`EncryptedLegRecorder`).
protocol CaptureTapRecorder: AnyObject {
    /// Whether the recorder wants the bytes written now: asked before each write, so a tap whose
    /// writes are not recorded (the plaintext one without toxics) costs no clock read or event.
    var recordsWrites: Bool { get }

    /// One thing the tap saw, stamped with the capture clock when it crossed.
    func record(_ event: CaptureTapHandler.Event)
}
