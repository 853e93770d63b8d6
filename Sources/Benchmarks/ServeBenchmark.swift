// The load on `exp serve` while a run writes (`exp bench serve`): a spec run alone, then again
// (in a new folder) with `exp serve` over it and N clients fetching the experiment's page over
// and over, then alone once more. It measures each request's latency and the run's wall time in
// all three, so the server's cost to the run is a figure beside the noise of two runs alone, not
// a promise.

import Foundation

public enum ServeBenchmark {
    public struct Result: Sendable {
        /// The run alone before and after the served run: their difference is the noise.
        public var aloneSeconds: Double
        public var aloneAgainSeconds: Double
        public var servedSeconds: Double
        /// CPU time of `exp serve` over the whole served run, and of the clients (this process).
        public var serverCPUSeconds: Double
        public var clientCPUSeconds: Double
        public var requests: Int
        public var failures: Int
        /// Request latencies, seconds, sorted.
        public var latencies: [Double]
        public func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, Int((p / 100 * Double(latencies.count)).rounded(.up)) - 1)]
        }
    }

    /// Runs `exp run SPEC` (with `runArguments`) in `folder`/alone, `folder`/served and
    /// `folder`/alone-again, the second time with `exp serve` and `clients` clients each fetching
    /// the experiment page every `interval` seconds until the run ends.
    public static func run(executable: URL, spec: String, runArguments: [String], folder: String, clients: Int,
                           interval: Double) throws -> Result {
        func runAlone(_ name: String) throws -> Double {
            let start = Date()
            let run = try launch(executable, ["run", spec, "--results", (folder as NSString).appendingPathComponent(name)] + runArguments)
            run.waitUntilExit()
            guard run.terminationStatus == 0 else { throw BenchmarkError.failed("the run alone exited with \(run.terminationStatus)") }
            return Date().timeIntervalSince(start)
        }
        let aloneSeconds = try runAlone("alone")

        let served = (folder as NSString).appendingPathComponent("served")
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        let serverOut = (folder as NSString).appendingPathComponent("serve.out")
        _ = FileManager.default.createFile(atPath: serverOut, contents: nil)
        let server = try launch(executable, ["serve", "--results", served, "--port", "0"], stdout: serverOut)
        defer { server.terminate(); server.waitUntilExit() }
        var port = 0
        let deadline = Date().addingTimeInterval(30)
        while port == 0, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            let text = (try? String(contentsOfFile: serverOut, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) {
                port = Int(text[r].dropFirst("127.0.0.1:".count).dropLast()) ?? 0
            }
        }
        guard port > 0 else { throw BenchmarkError.failed("exp serve did not start") }
        let servedPort = port

        let runStart = Date()
        let clientCPUStart = Measure.processCPUSeconds()
        let second = try launch(executable, ["run", spec, "--results", served] + runArguments)
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var latencies: [Double] = []
            var failures = 0
            var done = false
        }
        let shared = Shared()
        let group = DispatchGroup()
        for client in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                // Spread the clients' first requests over one interval.
                Thread.sleep(forTimeInterval: interval * Double(client) / Double(clients))
                var page = "/"
                while true {
                    shared.lock.lock()
                    let stop = shared.done
                    shared.lock.unlock()
                    if stop { return }
                    let t = Date()
                    let status = HTTPProbe.get(port: servedPort, path: page)
                    let seconds = Date().timeIntervalSince(t)
                    shared.lock.lock()
                    if status == 200 { shared.latencies.append(seconds) } else if page != "/" || status != 404 { shared.failures += 1 }
                    shared.lock.unlock()
                    // After the index, the experiment's page once the run has registered it.
                    if page == "/", status == 200, let key = HTTPProbe.firstExperiment(port: servedPort) { page = "/experiments/\(key)/live" }
                    Thread.sleep(forTimeInterval: interval)
                }
            }
        }
        second.waitUntilExit()
        let servedSeconds = Date().timeIntervalSince(runStart)
        let serverCPUSeconds = Measure.cpuSeconds(process: server.processIdentifier)
        shared.lock.lock()
        shared.done = true
        shared.lock.unlock()
        group.wait()
        guard second.terminationStatus == 0 else { throw BenchmarkError.failed("the served run exited with \(second.terminationStatus)") }
        let aloneAgainSeconds = try runAlone("alone-again")
        let clientCPUSeconds = Measure.processCPUSeconds() - clientCPUStart
        return Result(aloneSeconds: aloneSeconds, aloneAgainSeconds: aloneAgainSeconds, servedSeconds: servedSeconds,
                      serverCPUSeconds: serverCPUSeconds, clientCPUSeconds: clientCPUSeconds, requests: shared.latencies.count + shared.failures,
                      failures: shared.failures, latencies: shared.latencies.sorted())
    }

    static func launch(_ executable: URL, _ arguments: [String], stdout: String? = nil) throws -> Process {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.standardOutput = try stdout.map { try FileHandle(forWritingTo: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }
}

public enum BenchmarkError: Error, CustomStringConvertible {
    case failed(String)
    public var description: String {
        switch self { case .failed(let text): return text }
    }
}

/// A minimal HTTP/1.1 client over a socket to 127.0.0.1 (no redirects, no keep-alive).
enum HTTPProbe {
    /// The response's status code, or 0 when the request failed.
    static func get(port: Int, path: String) -> Int {
        status(of: raw(port: port, path: path))
    }

    /// The first experiment linked from the index page.
    static func firstExperiment(port: Int) -> String? {
        let body = response(port: port, path: "/").body
        guard let r = body.range(of: #"/experiments/[0-9a-f]{12}"#, options: .regularExpression) else { return nil }
        return String(body[r].dropFirst("/experiments/".count))
    }

    static func response(port: Int, path: String) -> (status: Int, body: String) {
        let data = raw(port: port, path: path)
        let text = String(decoding: data, as: UTF8.self)
        return (status(of: data), text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// The status code in a response's first line ("HTTP/1.1 200 OK"), 0 when there is none.
    /// Only the first line is decoded: the clients' own cost stays small beside the server's.
    static func status(of response: Data) -> Int {
        let line = response.prefix(32).prefix { $0 != 13 && $0 != 10 }
        let fields = String(decoding: line, as: UTF8.self).split(separator: " ")
        return fields.count >= 2 ? Int(fields[1]) ?? 0 : 0
    }

    /// The whole response of a GET: status line, headers and body, empty when it failed.
    static func raw(port: Int, path: String) -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Data() }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return Data() }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }
}
