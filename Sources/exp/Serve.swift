// `exp serve`: a live local web view of a results folder's run log.

import ArgumentParser
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Serve

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a live web view of the run log: experiments, their answer and curves as jobs train, jobs, tunes.",
        discussion: """
            It only reads the run log and the results folder, at a lower CPU priority than training (--nice); \
            a running `exp run` is not blocked. \
            By default it listens on 127.0.0.1 only; with any other --host every request needs the token \
            (--token, or one it prints). Pages and their scripts are built in: it works offline.
            """)

    @Option(help: "Results folder holding runs.sqlite.") var results = "results"
    @Option(help: "Address to listen on (127.0.0.1: this machine only; any other needs a token).") var host = "127.0.0.1"
    @Option(help: "Port (0: any free one).") var port = 8700
    @Option(help: "The token requests must carry when --host is not 127.0.0.1 (default: a new random one, printed).") var token: String?
    @Option(help: "How much to lower the server's CPU priority (added to its niceness, 0...19): training jobs on the same cores go first.") var nice: Int32 = 10

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be 0...19, got \(nice)") }
        if let token, token.count < 16 || !token.allSatisfy({ $0.isLetter || $0.isNumber }) {
            throw ValidationError("--token must be at least 16 letters or digits")
        }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        // A viewer must not take cores from the run it watches: under load the pages wait, not the jobs.
        #if canImport(Glibc)
        if nice > 0 { _ = Glibc.nice(nice) }
        #endif
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
