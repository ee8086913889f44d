import Crypto
import Foundation

/// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: the first
/// message with a fresh nonce, then the proof computed from the server's salt and iteration count,
/// then the check of the server's signature.
///
/// Hand-written on swift-crypto's SHA-256 and HMAC: no Swift library offers the SCRAM exchange
/// itself, and Hi() is RFC 5802's own definition (PBKDF2 with HMAC-SHA-256) written out.
struct PostgresSCRAM {
    /// Why the exchange cannot go on.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let password: String
    private let nonce: String
    private var clientFirstBare: String { "n=,r=\(nonce)" }
    private var expectedServerSignature: [UInt8]?

    /// Starts an exchange with a random nonce (or a given one, for tests).
    init(password: String, nonce: String? = nil) {
        self.password = password
        if let nonce {
            self.nonce = nonce
        } else {
            var generator = SystemRandomNumberGenerator()
            self.nonce = Data((0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
        }
    }

    /// The client-first-message (PostgreSQL takes the user from the startup message, so `n=` is empty).
    var clientFirstMessage: String { "n,," + clientFirstBare }

    /// The client-final-message for the server-first-message `r=...,s=...,i=...`.
    mutating func clientFinalMessage(serverFirst: String) throws(Failure) -> String {
        var fields: [Character: String] = [:]
        for part in serverFirst.split(separator: ",") where part.count >= 2 && part.dropFirst().first == "=" {
            fields[part.first!] = String(part.dropFirst(2))
        }
        guard let serverNonce = fields["r"], serverNonce.hasPrefix(nonce) else {
            throw Failure(description: "the server's SCRAM nonce does not extend ours")
        }
        guard let saltText = fields["s"], let salt = Data(base64Encoded: saltText) else {
            throw Failure(description: "the server's SCRAM salt is not base64")
        }
        guard let iterationsText = fields["i"], let iterations = Int(iterationsText), iterations > 0 else {
            throw Failure(description: "the server's SCRAM iteration count is not a positive number")
        }
        let withoutProof = "c=biws,r=\(serverNonce)"
        let authMessage = Data("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let salted = Self.hi(password: Data(password.utf8), salt: salt, iterations: iterations)
        let clientKey = Self.hmac(salted, Data("Client Key".utf8))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let signature = Self.hmac(Data(storedKey), authMessage)
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        let serverKey = Self.hmac(salted, Data("Server Key".utf8))
        expectedServerSignature = Self.hmac(Data(serverKey), authMessage)
        return withoutProof + ",p=" + Data(proof).base64EncodedString()
    }

    /// Checks the server-final-message `v=...`: the server knew the password too.
    func verify(serverFinal: String) throws(Failure) {
        guard serverFinal.hasPrefix("v="), let signature = Data(base64Encoded: String(serverFinal.dropFirst(2))),
            let expected = expectedServerSignature, Array(signature) == expected
        else {
            throw Failure(description: "the server's SCRAM signature does not match: it does not know the password")
        }
    }

    /// HMAC-SHA-256.
    private static func hmac(_ key: some DataProtocol, _ message: Data) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key))))
    }

    /// RFC 5802's Hi(): PBKDF2 with HMAC-SHA-256 and one block of output.
    private static func hi(password: Data, salt: Data, iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var block = Array(HMAC<SHA256>.authenticationCode(for: salt + Data([0, 0, 0, 1]), using: key))
        var result = block
        for _ in 1..<iterations {
            block = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }
}
