import ArgumentParser
import InterposeTLS

/// The flags of `interpose replay` for targets that speak TLS (a capture made with `--tls-intercept`
/// holds the plaintext; the new build may still want TLS).
struct ReplayTLSOptions: ParsableArguments {
    @Flag(name: .long, help: "Connect to the target and the baseline over TLS (ALPN h2 or http/1.1 as recorded).")
    var tls = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --tls: the server name to send and check (default: each server's host).", valueName: "NAME"))
    var tlsServerName: String?

    @Option(
        name: .long,
        help: ArgumentHelp("With --tls: trust these PEM certificates instead of the system store.", valueName: "FILE"))
    var targetCa: String?

    @Flag(name: .long, help: "With --tls: do not check the target's certificate.")
    var insecureTarget = false

    /// The TLS client the flags ask for, `nil` without `--tls`.
    /// - Throws: `CommandLineError` for flags that need `--tls` or contradict each other, or an
    ///   unreadable `--target-ca`.
    func client() throws -> TLSClient? {
        guard tls else {
            if tlsServerName != nil || targetCa != nil || insecureTarget {
                throw CommandLineError("--tls-server-name, --target-ca and --insecure-target need --tls")
            }
            return nil
        }
        if insecureTarget && targetCa != nil {
            throw CommandLineError("--insecure-target skips the check that --target-ca is for: pass one of them")
        }
        let verification: UpstreamVerification =
            insecureTarget ? .insecure : targetCa.map { .certificateAuthorities(path: $0) } ?? .system
        do {
            return try TLSClient(verification: verification, authoritiesFlag: "--target-ca")
        } catch let error as TLSInterceptionError {
            throw CommandLineError(error.description)
        }
    }
}
