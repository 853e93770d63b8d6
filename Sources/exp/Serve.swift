// `exp serve`: a live local web view of a results folder's run log.

import ArgumentParser
import Dispatch
import Foundation
import Serve

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a live web view of the run log: experiments, their answer and curves as jobs train, jobs, tunes.",
        discussion: """
            It only reads the run log and the results folder; a running `exp run` is not slowed or blocked. \
            By default it listens on 127.0.0.1 only; with any other --host every request needs the token \
            (--token, or one it prints). Pages and their scripts are built in: it works offline.
            """)

    @Option(help: "Results folder holding runs.sqlite.") var results = "results"
    @Option(help: "Address to listen on (127.0.0.1: this machine only; any other needs a token).") var host = "127.0.0.1"
    @Option(help: "Port (0: any free one).") var port = 8700
    @Option(help: "The token requests must carry when --host is not 127.0.0.1 (default: a new random one, printed).") var token: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        if let token, token.count < 16 || !token.allSatisfy({ $0.isLetter || $0.isNumber }) {
            throw ValidationError("--token must be at least 16 letters or digits")
        }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let required = ServeAccess.isLoopback(host) ? token : (token ?? ServeAccess.newToken())
        let options = ServeOptions(results: results, host: host, port: port, token: required)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        Task {
            do {
                try await WebServer.run(options) { port in
                    print("exp serve: \(options.results) at http://\(shownHost):\(port)/" + (required.map { "?token=\($0)" } ?? ""))
                    print("read-only; Ctrl-C stops")
                }
            } catch {
                failure = error
            }
            done.signal()
        }
        done.wait()
        if let failure { throw failure }
    }
}
