import Foundation

/// What a PNG file says about itself: its signature and the image size from the IHDR chunk.
public struct PNGHeader: Sendable, Equatable {
    /// The file is not a PNG a viewer would open.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong, naming the file.
        public var description: String
    }

    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// The file's size in bytes.
    public var fileSize: Int

    /// Reads and checks the header of the PNG at `path`.
    public init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data.prefix(33))
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 33, Array(bytes[0..<8]) == signature else {
            throw Invalid(description: "\(path) does not start with the PNG signature (\(data.count) bytes)")
        }
        guard Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw Invalid(description: "\(path): the first chunk is not IHDR")
        }
        func bigEndian(_ offset: Int) -> Int {
            bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        width = bigEndian(16)
        height = bigEndian(20)
        fileSize = data.count
    }
}
