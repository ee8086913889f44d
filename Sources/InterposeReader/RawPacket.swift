import InterposeCapture
import InterposeCore

/// One captured packet as a packet source hands it over: valid only until the next one is read.
struct RawPacket {
    /// When it was captured.
    var timestamp: Timestamp
    /// Its link-layer header type (per packet: pcapng interfaces may differ).
    var linkType: LinkType
    /// Its length on the wire.
    var originalLength: Int
    /// The bytes captured (at most the snap length).
    var bytes: UnsafeRawBufferPointer
}
