/// A config file that cannot be used, as one line naming the file, the key and the problem:
/// `interpose.yaml: proxies[1].upstream: missing (HOST:PORT of the service to forward to)`.
public struct ConfigFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public let file: String
    /// The key's path (`proxies[1].listen`); empty for the file as a whole.
    public let key: String
    /// What is wrong with it.
    public let problem: String

    /// An error about `key` in `file`.
    public init(file: String, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String { key.isEmpty ? "\(file): \(problem)" : "\(file): \(key): \(problem)" }
}
