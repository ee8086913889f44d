import InterposeAnalysis

extension CaptureDiffReport {
    /// The report as one JSON document, snake_case fields in a stable order:
    /// `{"summary":{"same","differs","missing","extra"},"exchanges":[{"connection_a","connection_b",
    /// "request","status","old","new","detail","latency_a_us","latency_b_us"}]}`.
    public func renderJSON() -> String {
        var json = JSONWriter()
        json.beginObject()
        json.string("a", pathA)
        json.string("b", pathB)
        json.beginObject("summary")
        for status in ExchangeDiff.Status.allCases {
            json.number(status.rawValue, count(status))
        }
        json.endObject()
        json.beginArray("exchanges")
        for row in exchanges {
            json.beginObject()
            json.number("connection_a", row.connectionA?.rawValue)
            json.number("connection_b", row.connectionB?.rawValue)
            json.string("request", row.request)
            json.string("status", row.status.rawValue)
            json.string("old", row.old)
            json.string("new", row.new)
            json.string("detail", row.detail)
            json.number("latency_a_us", row.latencyA.map { $0 / 1000 })
            json.number("latency_b_us", row.latencyB.map { $0 / 1000 })
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.text
    }
}
