import Foundation
import InterposeCapture
import InterposeCore
import InterposeFaults
import InterposeProtocols

extension ConfigFile {
    /// The file as written, decoded strictly (unknown keys are errors), before addresses and
    /// names are checked.
    enum Raw {
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(stringValue: String) { self.stringValue = stringValue }
            init(intValue: Int) {
                self.stringValue = String(intValue)
                self.intValue = intValue
            }
        }

        /// Throws for a key not in `allowed`, naming it and the known ones.
        static func rejectUnknownKeys(_ decoder: Decoder, allowed: [String]) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            for key in container.allKeys where !allowed.contains(key.stringValue) {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath + [key],
                        debugDescription: "unknown key (known: \(allowed.joined(separator: ", ")))"))
            }
        }

        static func hint(for key: String) -> String {
            switch key {
            case "listen": return " (HOST:PORT clients connect to)"
            case "upstream": return " (HOST:PORT of the service to forward to)"
            case "name": return " (the proxy's name, unique in the file)"
            case "type": return " (the toxic's type: \(ToxicType.allCases.map(\.rawValue).joined(separator: ", ")))"
            default: return ""
            }
        }

        static func typeName(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "text"
            case is Bool.Type: return "true or false"
            case is UInt64.Type: return NumberRange.seed.allowed
            case is Int.Type, is Double.Type: return "a number"
            case is [Proxy].Type, is [Toxic].Type: return "a list"
            default: return "a mapping"
            }
        }

        struct File: Decodable {
            var control: Control?
            var capture_dir: String?
            var seed: UInt64?
            var proxies: [Proxy]?

            enum CodingKeys: String, CodingKey, CaseIterable { case control, capture_dir, seed, proxies }

            init(from decoder: Decoder) throws {
                try Raw.rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
                let container = try decoder.container(keyedBy: CodingKeys.self)
                control = try container.decodeIfPresent(Control.self, forKey: .control)
                capture_dir = try container.decodeIfPresent(String.self, forKey: .capture_dir)
                seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
                proxies = try container.decodeIfPresent([Proxy].self, forKey: .proxies)
            }

            func resolve(file: String, folder: String) throws(ConfigFileError) -> ConfigFile {
                var config = ConfigFile(seed: seed)
                if let control {
                    var endpoint = ControlEndpoint()
                    if let address = control.address {
                        do {
                            endpoint.address = try HostPort(parsing: address, what: "control.address")
                        } catch {
                            throw ConfigFileError(file: file, key: "control.address", problem: "\(error)")
                        }
                    }
                    endpoint.token = control.token
                    config.control = endpoint
                }
                config.captureDirectory = capture_dir.map { Raw.path($0, in: folder) }
                var names: Set<String> = []
                for (index, proxy) in (proxies ?? []).enumerated() {
                    let spec = try proxy.resolve(file: file, key: "proxies[\(index)]", folder: folder)
                    guard names.insert(spec.name).inserted else {
                        throw ConfigFileError(
                            file: file, key: "proxies[\(index)].name",
                            problem: "'\(spec.name)' is used by an earlier proxy")
                    }
                    config.proxies.append(spec)
                }
                return config
            }
        }

        struct Control: Decodable {
            var address: String?
            var token: String?

            enum CodingKeys: String, CodingKey, CaseIterable { case address, token }

            init(from decoder: Decoder) throws {
                try Raw.rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
                let container = try decoder.container(keyedBy: CodingKeys.self)
                address = try container.decodeIfPresent(String.self, forKey: .address)
                token = try container.decodeIfPresent(String.self, forKey: .token)
            }
        }

        struct Proxy: Decodable {
            var name: String
            var listen: String
            var upstream: String
            var enabled: Bool?
            var capture: String?
            var `protocol`: String?
            var port_protocols: [String: String]?
            var checks: Bool?
            var toxics: [Toxic]?

            enum CodingKeys: String, CodingKey, CaseIterable {
                case name, listen, upstream, enabled, capture, `protocol`, port_protocols, checks, toxics
            }

            init(from decoder: Decoder) throws {
                try Raw.rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decode(String.self, forKey: .name)
                listen = try container.decode(String.self, forKey: .listen)
                upstream = try container.decode(String.self, forKey: .upstream)
                enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled)
                capture = try container.decodeIfPresent(String.self, forKey: .capture)
                `protocol` = try container.decodeIfPresent(String.self, forKey: .protocol)
                port_protocols = try container.decodeIfPresent([String: String].self, forKey: .port_protocols)
                checks = try container.decodeIfPresent(Bool.self, forKey: .checks)
                if container.contains(.toxics) {
                    var list = try container.nestedUnkeyedContainer(forKey: .toxics)
                    var toxics: [Toxic] = []
                    while !list.isAtEnd {
                        let index = list.currentIndex
                        do {
                            toxics.append(try list.decode(Toxic.self))
                        } catch let error as ToxicError {
                            throw DecodingError.dataCorrupted(
                                .init(
                                    codingPath: list.codingPath + [AnyKey(intValue: index)],
                                    debugDescription: error.description))
                        }
                    }
                    self.toxics = toxics
                }
            }

            func resolve(file: String, key: String, folder: String) throws(ConfigFileError) -> ProxySpec {
                do {
                    try ProxySpec.validate(name: name)
                } catch {
                    throw ConfigFileError(file: file, key: "\(key).name", problem: error.message)
                }
                func address(_ text: String, _ field: String) throws(ConfigFileError) -> HostPort {
                    do {
                        return try HostPort(parsing: text, what: field)
                    } catch {
                        throw ConfigFileError(file: file, key: "\(key).\(field)", problem: "\(error)")
                    }
                }
                var spec = ProxySpec(
                    name: name, listen: try address(listen, "listen"), upstream: try address(upstream, "upstream"),
                    enabled: enabled ?? true, capture: capture.map { Raw.path($0, in: folder) },
                    checks: checks ?? false,
                    toxics: toxics ?? [])
                if let name = `protocol`, name != "auto" {
                    guard let application = ProtocolRegistry.standard.application(named: name) else {
                        throw ConfigFileError(
                            file: file, key: "\(key).protocol",
                            problem: "'\(name)' is not auto or one of \(ProtocolRegistry.standard.names)")
                    }
                    spec.protocolHint = application
                }
                for (port, name) in port_protocols ?? [:] {
                    guard let number = UInt16(port),
                        let application = ProtocolRegistry.standard.application(named: name)
                    else {
                        throw ConfigFileError(
                            file: file, key: "\(key).port_protocols.\(port)",
                            problem:
                                "'\(port): \(name)' is not PORT: NAME with NAME one of \(ProtocolRegistry.standard.names)"
                        )
                    }
                    spec.portProtocols[number] = application
                }
                if (spec.protocolHint != nil || !spec.portProtocols.isEmpty) && !spec.checks {
                    throw ConfigFileError(
                        file: file, key: "\(key).protocol",
                        problem: "protocol hints choose how the checks read the traffic: add 'checks: true'")
                }
                var seen: Set<String> = []
                for (index, toxic) in spec.toxics.enumerated() where !seen.insert(toxic.name).inserted {
                    throw ConfigFileError(
                        file: file, key: "\(key).toxics[\(index)].name",
                        problem: "'\(toxic.name)' is used by an earlier toxic of this proxy")
                }
                return spec
            }
        }

        static func path(_ path: String, in folder: String) -> String {
            path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
        }
    }
}
