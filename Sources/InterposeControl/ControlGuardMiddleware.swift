import Foundation
import Hummingbird

/// The control API's front door: turns browsers away (as Toxiproxy does, so a web page cannot
/// drive the API from the user's own machine), checks the bearer token when one is set, and writes
/// every error in Toxiproxy's shape, `{"error": "...", "status": N}`.
struct ControlGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The token every request must carry; `nil`: none.
    let token: String?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.headers[.userAgent]?.hasPrefix("Mozilla/") == true {
            return ControlResponse.error(ControlError(status: 403, "User agent not allowed"))
        }
        if let token {
            let expected = "Bearer \(token)"
            guard let given = request.headers[.authorization], ControlGuardMiddleware.same(given, expected) else {
                var response = ControlResponse.error(.unauthorized)
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
        }
        do {
            return try await next(request, context)
        } catch let error as ControlError {
            return ControlResponse.error(error)
        } catch let error as HTTPError {
            let message = error.body ?? error.status.reasonPhrase.lowercased()
            return ControlResponse.error(ControlError(status: error.status.code, message))
        } catch {
            return ControlResponse.error(ControlError(status: 500, "\(error)"))
        }
    }

    /// Compares in time independent of where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
