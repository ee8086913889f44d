import InterposeCore
import NIOCore

/// What a pair of `GlueHandler`s reports to, and asks of, the connection they pump bytes for:
/// `ProxyConnection` in the proxy, a recorder in the tests.
///
/// Every call comes on the channels' event loop.
protocol GlueHandlerDelegate: AnyObject {
    /// The client channel became active.
    func clientActive()
    /// `buffer` was read on `side` and is about to be written to the other side.
    func didRead(_ buffer: ByteBuffer, from side: ProxySide)
    /// `side`'s input ended with a FIN, forwarded to the other side as a half-close.
    func didFinish(from side: ProxySide)
    /// `side`'s channel failed; the other side is reset.
    func didFail(from side: ProxySide, error: Error)
    /// `side`'s channel closed without a FIN or an error (a reset by the proxy itself).
    func didAbort(from side: ProxySide)
    /// `side`'s channel is closed.
    func channelClosed(_ side: ProxySide)
    /// Whether the faults hold too much towards `side` for its partner to be read now.
    func faultsHoldReads(towards side: ProxySide) -> Bool
    /// Whether reading `side` must wait for the capture queue (`--capture-overflow block`); when it
    /// does, the delegate calls `captureDrained()` on that side's handler once the queue drained.
    func holdsReadsForCapture(waking side: ProxySide) -> Bool
}
