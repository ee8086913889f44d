import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server (Debian `postgresql`, binaries under /usr/lib/postgresql/VERSION/bin)
/// in a fresh cluster in a temporary directory, on a free loopback port, trust authentication,
/// for tests that capture the PostgreSQL protocol. Runs as the `postgres` user when the tests run
/// as root (PostgreSQL refuses root). Stopped by `stop()` or when released.
public final class PostgresServer: @unchecked Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: UInt16
    private let directory: String
    private let binaries: String
    private let process: BackgroundProcess
    private let asUser: [String]

    /// How TCP clients authenticate (pg_hba.conf's method for 127.0.0.1).
    public enum Authentication: Sendable {
        /// No password.
        case trust
        /// `md5` with this password, stored as an md5 hash.
        case md5(password: String)
        /// `scram-sha-256` with this password.
        case scram(password: String)
    }

    /// Creates a cluster and starts the server.
    /// - Parameter authentication: how TCP clients authenticate; the Unix socket stays trusted for setup.
    /// - Throws: when PostgreSQL is missing (install `postgresql`) or does not become ready.
    public init(authentication: Authentication = .trust) throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted().last else {
            throw ProcessRunner.LaunchError(
                description: "PostgreSQL is not installed: run scripts/test (it installs postgresql)")
        }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        port = FreePort.next()
        directory = "/tmp/interpose-pg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            asUser = [try ProcessRunner.require("runuser", package: "util-linux"), "-u", "postgres", "--"]
            _ = try ProcessRunner.run("chown", ["postgres", directory])
        } else {
            asUser = []
        }
        let initdb = try PostgresServer.run(
            asUser, binaries + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres"], timeout: 120)
        guard initdb.status == 0 else {
            throw ProcessRunner.LaunchError(description: "initdb failed: \(initdb.stderrText)")
        }
        let server = [
            binaries + "/postgres", "-D", directory + "/data", "-p", "\(port)", "-k", directory,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
        ]
        process = try BackgroundProcess(asUser.first ?? server[0], Array((asUser + server).dropFirst()))
        try process.waitForOutput(containing: "ready to accept connections", timeout: 30)
        switch authentication {
        case .trust:
            break
        case .md5(let password):
            try require(password: password, method: "md5")
        case .scram(let password):
            try require(password: password, method: "scram-sha-256")
        }
    }

    /// Gives the superuser a password stored for `method`, and requires it of TCP clients.
    private func require(password: String, method: String) throws {
        let psql = binaries + "/psql"
        let escaped = password.replacingOccurrences(of: "'", with: "''")
        let encryption = method == "md5" ? "md5" : "scram-sha-256"
        for sql in ["SET password_encryption = '\(encryption)'; ALTER USER postgres PASSWORD '\(escaped)'"] {
            let result = try PostgresServer.run(
                asUser, psql, ["-h", directory, "-p", "\(port)", "-U", "postgres", "-X", "-c", sql, "postgres"],
                timeout: 30)
            guard result.status == 0 else { throw ProcessRunner.LaunchError(description: "psql: \(result.stderrText)") }
        }
        let hba = "local all all trust\nhost all all 127.0.0.1/32 \(method)\n"
        try hba.write(toFile: directory + "/data/pg_hba.conf", atomically: true, encoding: .utf8)
        let reload = try PostgresServer.run(
            asUser, psql,
            ["-h", directory, "-p", "\(port)", "-U", "postgres", "-X", "-c", "SELECT pg_reload_conf()", "postgres"],
            timeout: 30)
        guard reload.status == 0 else { throw ProcessRunner.LaunchError(description: "reload: \(reload.stderrText)") }
        usleep(300_000)  // the postmaster rereads pg_hba.conf on the signal, a moment later
    }

    deinit {
        stop()
    }

    /// Stops the server and removes the cluster.
    public func stop() {
        _ = try? PostgresServer.run(
            asUser, binaries + "/pg_ctl", ["stop", "-D", directory + "/data", "-m", "immediate"], timeout: 30)
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func run(_ prefix: [String], _ program: String, _ arguments: [String], timeout: Double) throws
        -> ProcessRunner.Result
    {
        let all = prefix + [program] + arguments
        return try ProcessRunner.run(all[0], Array(all.dropFirst()), timeout: timeout)
    }
}
