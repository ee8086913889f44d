import InterposeCore

/// A growable byte buffer the writer thread encodes pcapng blocks into, little-endian.
///
/// Raw memory rather than `[UInt8]` or `ByteBuffer`: the hot path stores headers with unaligned
/// stores and copies payload with `memcpy`, with no bounds or uniqueness checks per byte.
/// Owned by one thread.
final class PcapngBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes written so far.
    var count: Int = 0

    /// An empty buffer with room for `capacity` bytes.
    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit {
        base.deallocate()
    }

    /// The bytes written, for `write(2)`.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Room left before the buffer must grow.
    var available: Int { capacity - count }

    /// Makes room for `extra` more bytes, growing the allocation if needed.
    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Forgets the contents.
    func removeAll() { count = 0 }

    @inline(__always) func appendUInt8(_ value: UInt8) {
        reserve(1)
        base.storeBytes(of: value, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) func appendUInt16(_ value: UInt16) {
        reserve(2)
        base.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt16.self)
        count += 2
    }

    @inline(__always) func appendUInt32(_ value: UInt32) {
        reserve(4)
        base.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    @inline(__always) func appendUInt64(_ value: UInt64) {
        reserve(8)
        base.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    /// Appends raw bytes.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Appends zero bytes up to the next multiple of 4.
    func padTo32Bits() {
        while count % 4 != 0 { appendUInt8(0) }
    }

    /// Overwrites a little-endian `UInt32` at `offset`.
    @inline(__always) func setUInt32(_ value: UInt32, at offset: Int) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    // MARK: - Options

    /// Appends one pcapng option: code, length, value, padding.
    func appendOption(code: UInt16, value: UnsafeRawBufferPointer) {
        appendUInt16(code)
        appendUInt16(UInt16(value.count))
        append(value)
        padTo32Bits()
    }

    /// Appends a UTF-8 string option, cut at 65535 bytes.
    func appendOption(code: UInt16, string: String) {
        var text = string
        text.withUTF8 { utf8 in
            appendOption(code: code, value: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8.prefix(65_535))))
        }
    }

    /// Appends a 64-bit little-endian option value.
    func appendOption(code: UInt16, uint64 value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { appendOption(code: code, value: $0) }
    }

    /// Appends a timestamp option as pcapng stores timestamps: high 32 bits, then low 32 bits.
    func appendOption(code: UInt16, timestamp: UInt64) {
        let words = (
            UInt32(truncatingIfNeeded: timestamp >> 32).littleEndian, UInt32(truncatingIfNeeded: timestamp).littleEndian
        )
        withUnsafeBytes(of: words) { appendOption(code: code, value: $0) }
    }

    /// Appends `opt_endofopt`.
    func appendEndOfOptions() {
        appendUInt32(0)
    }
}
