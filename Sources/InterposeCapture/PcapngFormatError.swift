import InterposeCore

/// Why `PcapngBlockReader` could not read a block: what is wrong and at which byte offset of the file.
public struct PcapngFormatError: Error, CustomStringConvertible, Equatable {
    /// The byte offset in the file of the block (or field) that could not be read.
    public var offset: Int
    /// What is wrong, in words.
    public var reason: String

    /// An error at `offset` for `reason`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `not a valid pcapng file: <reason> at byte <offset>`.
    public var description: String { "not a valid pcapng file: \(reason) at byte \(offset)" }
}
