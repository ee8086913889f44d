import Hummingbird
import InterposeCapture
import InterposeCore
import NIOCore

/// The control API's routes: Toxiproxy's, then Interpose's own under `/interpose/`, and `/metrics`.
enum ControlRoutes {
    /// The largest request body read (a populate of many proxies fits easily).
    static let bodyLimit = 1 << 20
    /// The Toxiproxy version whose API this one follows.
    static let toxiproxyVersion = "2.12.0"
    /// Interpose's version.
    static let interposeVersion = "0.1.0"

    /// A router with every route and the guard in front.
    static func router(registry: ProxyRegistry, token: String?) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ControlGuardMiddleware(token: token))

        router.get("/version") { _, _ in
            try ControlResponse.json(
                ControlReports.Version(version: toxiproxyVersion, interpose: interposeVersion))
        }
        router.get("/proxies") { _, _ in
            let views = await registry.list()
            return try ControlResponse.json(Dictionary(uniqueKeysWithValues: views.map { ($0.name, $0) }))
        }
        router.post("/proxies") { request, _ in
            let body = try ControlRequests.decode(ControlRequests.ProxyBody.self, from: try await bytes(of: request))
            let view = try await registry.create(try ControlRequests.spec(from: body))
            return try ControlResponse.json(view, status: 201)
        }
        router.post("/populate") { request, _ in
            let bodies = try ControlRequests.decode(
                [ControlRequests.ProxyBody].self, from: try await bytes(of: request))
            var specs: [ProxySpec] = []
            for (index, body) in bodies.enumerated() {
                specs.append(try ControlRequests.spec(from: body, position: index + 1))
            }
            let (views, error) = await registry.populate(specs)
            return try ControlResponse.json(
                ControlReports.Populated(proxies: views, error: error?.message, status: error?.status),
                status: error?.status ?? 201)
        }
        router.post("/reset") { _, _ in
            try await registry.reset()
            return ControlResponse.noContent()
        }
        router.get("/proxies/{proxy}") { _, context in
            try ControlResponse.json(try await registry.proxy(try name(context)))
        }
        let update: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let body = try ControlRequests.decode(ControlRequests.ProxyBody.self, from: try await bytes(of: request))
            let view = try await registry.update(
                try name(context), listen: try body.listen.map { try ControlRequests.address($0, field: "listen") },
                upstream: try body.upstream.map { try ControlRequests.address($0, field: "upstream") },
                enabled: body.enabled)
            return try ControlResponse.json(view)
        }
        router.post("/proxies/{proxy}", use: update)
        router.patch("/proxies/{proxy}", use: update)
        router.delete("/proxies/{proxy}") { _, context in
            try await registry.delete(try name(context))
            return ControlResponse.noContent()
        }
        router.get("/proxies/{proxy}/toxics") { _, context in
            try ControlResponse.json(try await registry.toxics(of: try name(context)))
        }
        router.post("/proxies/{proxy}/toxics") { request, context in
            let proxy = try name(context)
            _ = try await registry.proxy(proxy)
            let body = try ControlRequests.decode(ControlRequests.ToxicBody.self, from: try await bytes(of: request))
            let toxic = try await registry.addToxic(try ControlRequests.toxic(from: body), to: proxy)
            return try ControlResponse.json(toxic)
        }
        router.get("/proxies/{proxy}/toxics/{toxic}") { _, context in
            try ControlResponse.json(try await registry.toxic(try toxicName(context), of: try name(context)))
        }
        let updateToxic: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let proxy = try name(context)
            let toxic = try toxicName(context)
            _ = try await registry.toxic(toxic, of: proxy)
            let body = try ControlRequests.decode(ControlRequests.ToxicBody.self, from: try await bytes(of: request))
            let updated = try await registry.updateToxic(
                toxic, of: proxy, toxicity: body.toxicity, attributes: body.attributes ?? [:])
            return try ControlResponse.json(updated)
        }
        router.post("/proxies/{proxy}/toxics/{toxic}", use: updateToxic)
        router.patch("/proxies/{proxy}/toxics/{toxic}", use: updateToxic)
        router.delete("/proxies/{proxy}/toxics/{toxic}") { _, context in
            try await registry.removeToxic(try toxicName(context), from: try name(context))
            return ControlResponse.noContent()
        }

        router.get("/interpose/proxies/{proxy}/connections") { _, context in
            let proxy = try name(context)
            return try ControlResponse.json(
                ControlReports.Connections(
                    proxy: proxy, connections: try await registry.connections(of: proxy), now: CaptureClock().now()))
        }
        router.get("/interpose/proxies/{proxy}/findings") { _, context in
            let proxy = try name(context)
            return try ControlResponse.json(
                ControlReports.Findings(proxy: proxy, checks: try await registry.checks(of: proxy)))
        }
        router.get("/interpose/proxies/{proxy}/capture") { _, context in
            let proxy = try name(context)
            return try ControlResponse.json(
                ControlReports.Capture(proxy: proxy, statistics: try await registry.capture(of: proxy)))
        }
        router.get("/metrics") { _, _ in
            ControlResponse.text(await registry.metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        return router
    }

    private static func name(_ context: BasicRequestContext) throws(ControlError) -> String {
        guard let name = context.parameters.get("proxy") else { throw ControlError.proxyNotFound }
        return name
    }

    private static func toxicName(_ context: BasicRequestContext) throws(ControlError) -> String {
        guard let name = context.parameters.get("toxic") else { throw ControlError.toxicNotFound }
        return name
    }

    /// The request's body, at most `bodyLimit` bytes.
    /// - Throws: `ControlError.bodyTooLarge` (413) for a longer one, whether it says so in
    ///   Content-Length or only streams that many bytes.
    private static func bytes(of request: Request) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > bodyLimit {
            throw ControlError.bodyTooLarge(limit: bodyLimit)
        }
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: bodyLimit)
        } catch is NIOTooManyBytesError {
            throw ControlError.bodyTooLarge(limit: bodyLimit)
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
