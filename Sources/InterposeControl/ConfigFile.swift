import Foundation
import InterposeCapture
import InterposeCore
import InterposeFaults
import InterposeProtocols
import Yams

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

    /// Reads and checks a config file.
    /// - Throws: `ConfigFileError` naming the file, the key and the problem.
    public static func load(path: String) throws(ConfigFileError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigFileError(file: path, key: "", problem: "cannot read it (\(error.localizedDescription))")
        }
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
