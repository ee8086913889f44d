import Foundation

/// Rewrites the records of a classic pcap file (as tcpdump writes them) to make the damage tests
/// need: a packet deleted (a gap), duplicated (a retransmission, optionally with different bytes),
/// or two packets swapped (out-of-order delivery). Headers and timestamps are kept as they are.
public struct PcapRecordEditor {
    /// One record: its 16-byte header and its captured bytes.
    public struct Record {
        public var header: [UInt8]
        public var data: [UInt8]
    }

    /// The 24-byte file header.
    public var fileHeader: [UInt8]
    /// The records in file order (packet N is `records[N - 1]`).
    public var records: [Record]

    /// Reads a little-endian pcap file.
    /// - Throws: when it is not one.
    public init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= 24, [0xD4, 0x4D].contains(bytes[0]), bytes[1] == 0xC3 || bytes[1] == 0x3C else {
            throw ProcessRunner.LaunchError(description: "\(path) is not a little-endian pcap file")
        }
        fileHeader = Array(bytes[0..<24])
        records = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let header = Array(bytes[offset..<offset + 16])
            let length = Int(header[8]) | Int(header[9]) << 8 | Int(header[10]) << 16 | Int(header[11]) << 24
            guard offset + 16 + length <= bytes.count else { break }
            records.append(Record(header: header, data: Array(bytes[offset + 16..<offset + 16 + length])))
            offset += 16 + length
        }
    }

    /// Writes the file.
    public func write(to path: String) throws {
        var out = fileHeader
        for record in records { out += record.header + record.data }
        try Data(out).write(to: URL(fileURLWithPath: path))
    }
}
