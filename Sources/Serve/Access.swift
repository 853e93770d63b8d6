// Who may read: `exp serve` binds to 127.0.0.1 unless told otherwise; on any other address every
// request must carry the server's token (`?token=` once, which sets a cookie for the rest, or
// `Authorization: Bearer`), else it gets a 401 page.

import Foundation
import Hummingbird

public enum ServeAccess {
    /// Whether `host` is this machine's loopback address only.
    public static func isLoopback(_ host: String) -> Bool { ["127.0.0.1", "::1", "localhost"].contains(host) }

    /// A random token (32 hex digits).
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max, using: &generator)) }.joined()
    }

    /// Equal strings, compared in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let bearer = request.headers[.authorization].map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : "" }
        if let given = request.uri.queryParameters.get("token"), ServeAccess.same(given, token) {
            var response = try await next(request, context)
            response.setCookie(Cookie(name: "exp_token", value: token, path: "/", httpOnly: true))
            return response
        }
        if let cookie = request.cookies["exp_token"]?.value, ServeAccess.same(cookie, token) { return try await next(request, context) }
        if let bearer, ServeAccess.same(bearer, token) { return try await next(request, context) }
        return Pages.response(.unauthorized, Pages.document(title: "Token needed", body:
            "<h1>Token needed</h1><p>This server listens beyond this machine, so it asks for the token <code>exp serve</code> printed: "
            + "open the address it printed (with <code>?token=...</code>).</p>"))
    }
}
