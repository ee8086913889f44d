/// One field of a protobuf message as the wire format carries it (field number, wire type, value),
/// read without a schema, the way `protoc --decode_raw` reads it.
///
/// The reader is hand-written, small and bounded: SwiftProtobuf decodes the wire format only into
/// generated message types, and keeps its field-by-field reader (`BinaryDecoder`, `WireFormat`,
/// `Varint`) internal; the only public views of fields it does not know are the raw bytes of
/// `UnknownStorage` and the text format. So the wire is read here (varints, fixed 32 and 64 bit
/// values, length-delimited bytes, groups), and SwiftProtobuf is used for what it exposes: the
/// descriptors of `ProtobufSchema`.
struct ProtobufWireField: Sendable, Hashable {
    /// A field's value by its wire type.
    enum Value: Sendable, Hashable {
        /// Wire type 0.
        case varint(UInt64)
        /// Wire type 1, as the little-endian 64-bit word.
        case fixed64(UInt64)
        /// Wire type 5, as the little-endian 32-bit word.
        case fixed32(UInt32)
        /// Wire type 2: a string, bytes, a nested message or a packed array; what it is takes a
        /// schema, or the guess of `nested`.
        case lengthDelimited([UInt8])
        /// Wire types 3 and 4: the fields between a group's start and end tags.
        case group([ProtobufWireField])
    }

    /// The field number (1 up to 2^29 - 1).
    var number: Int
    /// The value.
    var value: Value

    /// Deepest nesting read, as SwiftProtobuf's text format limits its own guesses: deeper
    /// length-delimited values stay bytes, so a hostile message cannot exhaust the stack.
    static let depthLimit = 32

    /// The fields of a message, in wire order; `nil` when the bytes are not a well-formed message
    /// (a truncated varint or value, a length past the end, field number 0, wire type 6 or 7, an
    /// unbalanced group).
    static func read(_ bytes: ArraySlice<UInt8>, depth: Int = 0) -> [ProtobufWireField]? {
        var reader = Reader(bytes: bytes)
        guard let fields = reader.fields(depth: depth, endGroup: nil), reader.index == bytes.endIndex else {
            return nil
        }
        return fields
    }

    /// A length-delimited value read as a nested message, as `protoc --decode_raw` prints one: when
    /// it is not empty and every byte of it parses; `nil` otherwise (it is then a string or bytes).
    static func nested(_ bytes: [UInt8], depth: Int) -> [ProtobufWireField]? {
        guard !bytes.isEmpty, depth < depthLimit else { return nil }
        return read(bytes[...], depth: depth + 1)
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.endIndex, shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }

        mutating func little<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard bytes.endIndex - index >= size else { return nil }
            var value: T = 0
            for offset in 0..<size { value |= T(bytes[index + offset]) << (8 * offset) }
            index += size
            return value
        }

        /// Fields up to the end, or up to the end tag of the group `endGroup`.
        mutating func fields(depth: Int, endGroup: Int?) -> [ProtobufWireField]? {
            var fields: [ProtobufWireField] = []
            while index < bytes.endIndex {
                guard let tag = varint(), tag >> 3 >= 1, tag >> 3 <= 0x1FFF_FFFF else { return nil }
                let number = Int(tag >> 3)
                switch tag & 7 {
                case 0:
                    guard let value = varint() else { return nil }
                    fields.append(ProtobufWireField(number: number, value: .varint(value)))
                case 1:
                    guard let value = little(UInt64.self) else { return nil }
                    fields.append(ProtobufWireField(number: number, value: .fixed64(value)))
                case 2:
                    guard let length = varint(), length <= UInt64(bytes.endIndex - index) else { return nil }
                    let end = index + Int(length)
                    fields.append(ProtobufWireField(number: number, value: .lengthDelimited(Array(bytes[index..<end]))))
                    index = end
                case 3:
                    guard depth < ProtobufWireField.depthLimit,
                        let inner = self.fields(depth: depth + 1, endGroup: number)
                    else { return nil }
                    fields.append(ProtobufWireField(number: number, value: .group(inner)))
                case 4:
                    return number == endGroup ? fields : nil
                case 5:
                    guard let value = little(UInt32.self) else { return nil }
                    fields.append(ProtobufWireField(number: number, value: .fixed32(value)))
                default:
                    return nil
                }
            }
            return endGroup == nil ? fields : nil
        }
    }
}
