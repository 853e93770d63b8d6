// `exp serve`: a local web server (Hummingbird, on SwiftNIO) over a results folder. It only
// reads: the run log through read-only connections opened per rendering and one kept by
// `RunLogChanges` to notice changes (WAL readers never block `exp run`'s writer), and files of
// the results folder (`ResultsFiles`). Malformed parameters get a 400, unknown experiments, jobs
// and tunes a 404, a missing run log a page that says so. The pages clients poll are kept per
// state of the run log (`PageCache`), so fifty open pages cost about what one does.

import Foundation
import Hummingbird
import Report
import RunLog

public struct ServeOptions: Sendable {
    public var results: String
    public var host: String
    public var port: Int
    /// Required from every request when set (`ServeAccess`).
    public var token: String?

    public init(results: String, host: String = "127.0.0.1", port: Int = 8700, token: String? = nil) {
        self.results = URL(fileURLWithPath: results).standardizedFileURL.path
        self.host = host
        self.port = port
        self.token = token
    }
}

public enum WebServer {
    /// Serves until the process ends; `onRunning` receives the port it listens on.
    public static func run(_ options: ServeOptions, onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        if let token = options.token { router.add(middleware: TokenMiddleware(token: token)) }
        let results = options.results
        let database = ResultsLayout(root: results).database
        // Pages many clients poll are rendered once per change of the run log (`PageCache`).
        let changes = RunLogChanges(path: database)
        let pages = PageCache<String>(maxAge: 5)
        let epochs = PageCache<Int>(maxAge: 5)

        /// Runs a page builder, turning what can go wrong into pages with their status.
        @Sendable func page(_ build: () throws -> String) -> Response {
            guard FileManager.default.fileExists(atPath: database) else {
                return Pages.response(.notFound, Pages.document(title: "No run log", body:
                    "<h1>No run log yet</h1><p>\(Pages.esc(database)) does not exist: start a run with <code>exp run SPEC --results \(Pages.esc(results))</code>; "
                    + "this page shows it once it has begun.</p>"))
            }
            do {
                return Pages.response(.ok, try build())
            } catch let error as RunLogError {
                let status: HTTPResponse.Status
                switch error {
                case .unknownJob, .unknownExperiment, .unknownSweep: status = .notFound
                default: status = .serviceUnavailable
                }
                return Pages.response(status, Pages.document(title: status == .notFound ? "Not found" : "Run log unreadable",
                                                             body: "<h1>\(status.code)</h1><p>\(Pages.esc(String(describing: error)))</p>"))
            } catch let error as ReportError {
                return Pages.response(.notFound, Pages.document(title: "Not found", body: "<h1>404</h1><p>\(Pages.esc(error.description))</p>"))
            } catch {
                return Pages.response(.serviceUnavailable, Pages.document(title: "Run log busy", body:
                    "<h1>The run log cannot be read now</h1><p>\(Pages.esc(String(describing: error)))</p><p>Reload in a moment.</p>"))
            }
        }
        @Sendable func badRequest(_ text: String) -> Response {
            Pages.response(.badRequest, Pages.document(title: "Bad request", body: "<h1>400</h1><p>\(Pages.esc(text))</p>"))
        }
        @Sendable func validKey(_ key: String) -> Bool {
            !key.isEmpty && key.count <= 200 && !key.unicodeScalars.contains { $0.value < 0x20 }
        }

        router.get("/") { _, _ in page { try pages.value("/", at: changes.stamp()) { try Pages.index(results: results) } } }
        router.get("experiments/:key") { _, context in
            let key = try context.parameters.require("key")
            guard validKey(key) else { return badRequest("malformed experiment name") }
            return page { try pages.value("experiment/" + key, at: changes.stamp()) { try Pages.experiment(results: results, key: key) } }
        }
        // With `?after=E` (the epochs the page shows), the answer waits until more epochs are
        // done, up to 20 s (a long poll): pages update as epochs land, without a request every
        // moment.
        router.get("experiments/:key/live") { request, context in
            let key = try context.parameters.require("key")
            guard validKey(key) else { return badRequest("malformed experiment name") }
            if let text = request.uri.queryParameters.get("after") {
                guard let after = Int(text), after >= 0 else { return badRequest("after= takes the number of epochs the page shows") }
                let deadline = Date().addingTimeInterval(20)
                while Date() < deadline,
                      (try? epochs.value(key, at: changes.stamp()) { try Pages.epochsDone(results: results, key: key) }) == after {
                    try await Task.sleep(nanoseconds: 500_000_000)
                }
            }
            return page { try pages.value("live/" + key, at: changes.stamp()) { try Pages.experimentLive(results: results, key: key) } }
        }
        router.get("experiments/:key/report.csv") { _, context in
            let key = try context.parameters.require("key")
            guard validKey(key) else { return badRequest("malformed experiment name") }
            var response = page { try ReportGenerator.run(results: results, experiment: key, format: .csv, out: nil) ?? "" }
            if response.status == .ok { response.headers[.contentType] = "text/csv; charset=utf-8" }
            return response
        }
        router.get("experiments/:key/report.json") { _, context in
            let key = try context.parameters.require("key")
            guard validKey(key) else { return badRequest("malformed experiment name") }
            var response = page { try ReportGenerator.run(results: results, experiment: key, format: .json, out: nil, samples: false) ?? "" }
            if response.status == .ok { response.headers[.contentType] = "application/json" }
            return response
        }
        router.get("compare") { request, _ in
            let sweep = request.uri.queryParameters.get("sweep")
            let named = (request.uri.queryParameters.get("experiments") ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard (sweep.map(validKey) ?? true), named.allSatisfy(validKey), named.count <= 20 else {
                return badRequest("compare takes sweep=NAME|HASH and experiments=A,B,... (at most 20)")
            }
            return page { try Pages.compare(results: results, sweep: sweep, experiments: named) }
        }
        router.get("jobs/:id") { _, context in
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), id > 0 else { return badRequest("a job id is a positive integer") }
            return page { try pages.value("job/\(id)", at: changes.stamp()) { try Pages.job(results: results, id: id) } }
        }
        router.get("tunes/:key") { _, context in
            let key = try context.parameters.require("key")
            guard validKey(key) else { return badRequest("malformed tune name") }
            return page { try TuneReport.load(results: results, tune: key).html }
        }
        router.get("files/**") { _, context in
            let components = context.parameters.getCatchAll().map(String.init)
            do {
                let (path, type) = try ResultsFiles.resolve(components, root: results)
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
            } catch ResultsFiles.Refusal.badPath {
                return badRequest("a file is named by its path inside the results folder, without '..', hidden or encoded parts, or links")
            } catch {
                return Pages.response(.notFound, Pages.document(title: "Not found", body: "<h1>404</h1><p>No such file in the results folder.</p>"))
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname(options.host, port: options.port),
                                                                  serverName: "exp"),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? options.port) })
        try await app.runService()
    }
}
