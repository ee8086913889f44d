extension Toxic {
    /// A toxic from the command line's `--toxic TYPE[:stream][:key=value,...]`.
    ///
    /// `latency:downstream:latency=100,jitter=10`, `reset_peer:timeout=500`,
    /// `http_status:upstream:status=503,toxicity=0.2`; `name=` and `toxicity=` are the toxic's own,
    /// every other key is an attribute; the name defaults to `TYPE_STREAM`.
    /// - Throws: `ToxicError` with one line naming the option and the bad part.
    public init(commandLine text: String) throws(ToxicError) {
        var parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        let typeName = parts.removeFirst()
        guard let type = ToxicType(rawValue: typeName) else {
            throw ToxicError(
                "--toxic \(text): unknown type '\(typeName)' (one of \(ToxicType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        var stream = Stream.downstream
        if let first = parts.first, !first.contains("=") {
            guard let given = Stream(rawValue: first) else {
                throw ToxicError("--toxic \(text): stream must be upstream or downstream, not '\(first)'")
            }
            stream = given
            parts.removeFirst()
        }
        guard parts.count <= 1 else { throw ToxicError("--toxic \(text): expected TYPE[:STREAM][:key=value,...]") }
        var name: String?
        var toxicity = 1.0
        var attributes: [String: ToxicAttribute] = [:]
        for pair in (parts.first ?? "").split(separator: ",") {
            let keyValue = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard keyValue.count == 2, !keyValue[0].isEmpty else {
                throw ToxicError("--toxic \(text): '\(pair)' is not key=value")
            }
            let (key, value) = (keyValue[0], keyValue[1])
            switch key {
            case "name":
                name = value
            case "toxicity":
                guard let number = Double(value) else {
                    throw ToxicError("--toxic \(text): toxicity must be a number from 0 to 1")
                }
                toxicity = number
            default:
                let attribute = type.attribute(named: key)
                if attribute != nil, attribute?.range == nil {
                    attributes[key] = .text(value)
                } else if let number = Double(value) {
                    attributes[key] = .number(number)
                } else if attribute == nil {
                    attributes[key] = .text(value)  // validate() names the unknown key
                } else {
                    throw ToxicError("--toxic \(text): \(key) must be a number, not '\(value)'")
                }
            }
        }
        self.init(name: name, type: type, stream: stream, toxicity: toxicity, attributes: attributes)
        do {
            try validate()
        } catch {
            throw ToxicError("--toxic \(text): \(error.description)")
        }
    }
}
