import ArgumentParser
import InterposeCapture
import InterposeCore
import InterposeDemoService
import InterposeProxy

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose demo-service`: the project's demo HTTP service, as the old (1) or new (2) build.
struct DemoServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-service",
        abstract: "Run the demo HTTP service, build 1 or build 2 (which changes one answer), until SIGINT/SIGTERM.",
        discussion: """
            Example: interpose demo-service --listen 127.0.0.1:8081 --build 2 --redis 127.0.0.1:6379
            Endpoints: GET /health, GET /users/{id} (1-20), GET /users?plan=pro, POST|GET /counters/{name}.
            Build 2 answers GET /users/7 with "plan":"enterprise"; every other answer is the same as build 1's
            apart from served_at, request_id, X-Request-Id and Date.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen: String

    @Option(
        name: .long, help: ArgumentHelp("Which build to run: 1 (baseline) or 2 (with the change).", valueName: "1|2"))
    var build: Int

    @Option(name: .long, help: ArgumentHelp("Redis server for the counter endpoints.", valueName: "HOST:PORT"))
    var redis: String?

    func validate() throws {
        guard build == 1 || build == 2 else { throw CommandLineError("--build must be 1 or 2, not \(build)") }
    }

    func run() async throws {
        let listenAddress = try HostPort(parsing: listen, what: "--listen")
        let redisAddress = try redis.map { try HostPort(parsing: $0, what: "--redis") }
        let service = DemoService(
            settings: DemoService.Settings(
                host: listenAddress.host, port: Int(listenAddress.port), build: build,
                redis: redisAddress.map { (host: $0.host, port: Int($0.port)) }))
        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        let port = try await service.start()
        var stream = StandardError()
        let bound = HostPort(host: listenAddress.host, port: UInt16(port))
        print("demo-service build \(build) listening on \(bound)", to: &stream)
        await signals.wait()
        await service.stop()
    }
}
