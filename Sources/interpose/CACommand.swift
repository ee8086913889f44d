import ArgumentParser
import InterposeTLS

/// `interpose ca`: the certificate authority of `--tls-intercept`.
struct CACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Show the TLS interception CA that clients must trust.",
        subcommands: [Print.self]
    )

    /// `interpose ca print`: the CA certificate in PEM on standard output.
    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the interception CA certificate (PEM), creating the CA if it does not exist yet.",
            discussion: """
                Install it where clients look for trusted CAs, e.g.
                  interpose ca print > /usr/local/share/ca-certificates/interpose.crt && update-ca-certificates
                  curl --cacert <(interpose ca print) https://...
                """
        )

        @Option(
            name: .long,
            help: ArgumentHelp("Where the CA is kept (default ~/.interpose/ca).", valueName: "DIR"))
        var caDir: String?

        func run() throws {
            let directory = caDir ?? TLSInterceptor.defaultCADirectory
            let authority: CertificateAuthority
            do {
                authority = try CertificateAuthority(directory: directory)
            } catch let error as CertificateAuthorityError {
                throw CommandLineError(error.description)
            }
            print(authority.certificatePEM, terminator: "")
            var stream = StandardError()
            let path = directory + "/" + CertificateAuthority.certificateFileName
            print("interpose: \(authority.created ? "created" : "the") CA \(path)", to: &stream)
        }
    }
}
