/// A `--proto-descriptor` file that cannot be used, with what to do about it.
public struct ProtobufSchemaError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var problem: String

    /// An error from its parts.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        "\(path) \(problem); make one with protoc --include_imports -o FILE.pb SERVICE.proto"
    }
}
