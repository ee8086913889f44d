import ArgumentParser
import InterposeTLS

/// The TLS interception flags of `interpose proxy`.
struct TLSOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: """
            Terminate clients' TLS with certificates minted per server name by Interpose's CA, open TLS to the \
            upstream, and record the decrypted stream. Clients must trust the CA ('interpose ca print').
            """)
    var tlsIntercept = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where the interception CA is kept, created on first use (default ~/.interpose/ca).", valueName: "DIR"))
    var caDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Trust these PEM certificates for upstreams instead of the system store.", valueName: "FILE"))
    var upstreamCa: String?

    @Flag(name: .long, help: "Do not check upstream certificates at all (only for test upstreams).")
    var insecureUpstream = false

    @Option(
        name: .long,
        help: ArgumentHelp("Append the TLS secrets as NSS key-log lines (SSLKEYLOGFILE format).", valueName: "FILE"))
    var keylog: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also record the encrypted bytes of both legs, with their keys as Decryption Secrets Blocks.",
            valueName: "FILE"))
    var captureEncrypted: String?

    /// The interceptor the flags ask for, `nil` without `--tls-intercept`.
    /// - Throws: `CommandLineError` for flags that need `--tls-intercept` or contradict each other, and
    ///   the CA's or key log's own one-line errors.
    func interceptor() throws -> TLSInterceptor? {
        guard tlsIntercept else {
            let stray = [
                caDir.map { _ in "--ca-dir" }, upstreamCa.map { _ in "--upstream-ca" },
                insecureUpstream ? "--insecure-upstream" : nil, keylog.map { _ in "--keylog" },
                captureEncrypted.map { _ in "--capture-encrypted" },
            ].compactMap { $0 }
            if let first = stray.first { throw CommandLineError("\(first) needs --tls-intercept") }
            return nil
        }
        if insecureUpstream && upstreamCa != nil {
            throw CommandLineError("--insecure-upstream skips the check that --upstream-ca is for: pass one of them")
        }
        let verification: UpstreamVerification =
            insecureUpstream ? .insecure : upstreamCa.map { .certificateAuthorities(path: $0) } ?? .system
        let configuration = TLSInterceptor.Configuration(
            caDirectory: caDir ?? TLSInterceptor.defaultCADirectory, upstreamVerification: verification,
            keyLogPath: keylog)
        do {
            return try TLSInterceptor(configuration: configuration)
        } catch let error as CertificateAuthorityError {
            throw CommandLineError(error.description)
        } catch let error as TLSInterceptionError {
            throw CommandLineError(error.description)
        }
    }
}
