import Foundation
import InterposeCapture
import InterposeCore
import InterposeFaults
import InterposeProtocols
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// An `interpose proxy --config FILE.yaml`: many named proxies, the control API, captures, the
/// faults' seed.
///
/// ```yaml
/// control:
///   address: 127.0.0.1:8474
///   token: s3cret            # required when address is not loopback
/// capture_dir: captures      # each proxy records to captures/<name>.pcapng
/// seed: 42
/// proxies:
///   - name: redis
///     listen: 127.0.0.1:26379
///     upstream: 127.0.0.1:6379
///     protocol: redis        # auto (default), http1, http2, redis, postgres, mqtt, tls, raw
///     checks: true
///     toxics:
///       - {name: slow, type: latency, stream: downstream, attributes: {latency: 100, jitter: 10}}
///   - name: api
///     listen: 127.0.0.1:28080
///     upstream: 127.0.0.1:8080
///     capture: api.pcapng    # its own file instead of capture_dir's
///     enabled: false
/// ```
///
/// Relative paths are relative to the file's folder. Unknown keys are errors (a typo never
/// silently drops a setting).
public struct ConfigFile: Sendable, Equatable {
    /// The control API, when the file sets one.
    public var control: ControlEndpoint?
    /// Where proxies without a capture of their own record.
    public var captureDirectory: String?
    /// The seed of the faults' random choices.
    public var seed: UInt64?
    /// The proxies, in the file's order.
    public var proxies: [ProxySpec]

    /// A configuration from its parts.
    public init(
        control: ControlEndpoint? = nil, captureDirectory: String? = nil, seed: UInt64? = nil,
        proxies: [ProxySpec] = []
    ) {
        self.control = control
        self.captureDirectory = captureDirectory
        self.seed = seed
        self.proxies = proxies
    }

    /// Reads and checks a config file (a regular file, a FIFO or `<(...)`).
    /// - Throws: `ConfigFileError` naming the file, the key and the problem.
    public static func load(path: String) throws(ConfigFileError) -> ConfigFile {
        let text = try readText(path)
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: path, relativeTo: folder.isEmpty ? "." : folder)
    }

    /// Parses and checks config text.
    /// - Parameters:
    ///   - yaml: the text.
    ///   - file: the file name used in errors.
    ///   - folder: what relative paths are relative to.
    /// - Throws: `ConfigFileError`.
    public static func parse(yaml: String, file: String, relativeTo folder: String) throws(ConfigFileError)
        -> ConfigFile
    {
        let raw: Raw.File
        do {
            raw = try YAMLDecoder().decode(Raw.File.self, from: yaml)
        } catch let error as DecodingError {
            throw describe(error, file: file)
        } catch {
            throw ConfigFileError(file: file, key: "", problem: "not valid YAML: \(oneLine(error))")
        }
        return try raw.resolve(file: file, folder: folder)
    }

    /// The largest config file read.
    static let sizeLimit = 16 << 20

    /// The file's text, read with `read(2)` so a FIFO or `<(...)` works too.
    /// - Throws: `ConfigFileError` with the system's reason (`Permission denied`), or for a
    ///   directory, a file over `sizeLimit`, or bytes that are not UTF-8.
    static func readText(_ path: String) throws(ConfigFileError) -> String {
        func refuse(_ problem: String) -> ConfigFileError { ConfigFileError(file: path, key: "", problem: problem) }
        func system(_ code: Int32) -> String { String(cString: strerror(code)) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw refuse("cannot read it: \(system(errno))") }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw refuse("is a directory, not a config file (give the YAML file)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw refuse("cannot read it: \(system(errno))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > sizeLimit {
                throw refuse("is larger than \(ByteCount(sizeLimit)); a config file is YAML text")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw refuse("is not UTF-8 text; a config file is YAML")
        }
        return text
    }

    static func oneLine(_ error: Error) -> String {
        String(describing: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
    }

    static func keyPath(_ path: [CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func describe(_ error: DecodingError, file: String) -> ConfigFileError {
        switch error {
        case .keyNotFound(let key, let context):
            let path = keyPath(context.codingPath + [key])
            return ConfigFileError(file: file, key: path, problem: "missing\(Raw.hint(for: key.stringValue))")
        case .typeMismatch(let type, let context):
            return ConfigFileError(
                file: file, key: keyPath(context.codingPath), problem: "expected \(Raw.typeName(type))")
        case .valueNotFound(let type, let context):
            return ConfigFileError(
                file: file, key: keyPath(context.codingPath), problem: "expected \(Raw.typeName(type)), found nothing")
        case .dataCorrupted(let context):
            let problem =
                context.codingPath.isEmpty && context.underlyingError != nil
                ? "not valid YAML: \(oneLine(context.underlyingError!))" : context.debugDescription
            return ConfigFileError(file: file, key: keyPath(context.codingPath), problem: problem)
        @unknown default:
            return ConfigFileError(file: file, key: "", problem: oneLine(error))
        }
    }
}
