// `exp serve` from outside, as a user's browser and an attacker see it: the pages of a real run,
// a page that grows by itself in headless Chromium while the run trains, files served only from
// inside the results folder (no `..`, encoded forms, hidden files or links), 400 for malformed
// parameters and 404 for unknown ones, a clear page without a run log, and the token required
// on any address but loopback.

import Foundation
import RunLog
import Testing

/// Starts `exp serve` on a free port; returns the process and its address (as it printed it).
private func startServer(_ arguments: [String], folder: String) throws -> (Process, String) {
    let out = (folder as NSString).appendingPathComponent("serve-\(UUID().uuidString).out")
    let server = try runExp(["serve", "--port", "0"] + arguments, stdout: out)
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        if let text = try? String(contentsOfFile: out, encoding: .utf8),
           let range = text.range(of: #"http://[^ \n]+"#, options: .regularExpression) {
            return (server, String(text[range]))
        }
        Thread.sleep(forTimeInterval: 0.1)
    }
    server.terminate()
    throw CocoaError(.fileReadUnknown)
}

/// One HTTP/1.1 GET of `target` exactly as written (no normalisation of `..` or `%2e`), over a
/// plain socket; returns the status code, the headers and the body.
private func get(_ base: String, _ target: String, headers: [String] = []) throws -> (status: Int, head: String, body: String) {
    let url = URL(string: base)!
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(url.port!).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let request = (["GET \(target) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        data.append(contentsOf: buffer[0..<n])
    }
    let text = String(decoding: data, as: UTF8.self)
    let parts = text.components(separatedBy: "\r\n\r\n")
    let status = Int(parts[0].split(separator: " ").dropFirst().first ?? "") ?? 0
    return (status, parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
}

private func store0(_ results: String) throws -> RunStore { try RunStore(path: ResultsLayout(root: results).database, readOnly: true) }

/// A short demo run (both models, 1 run) in `folder`, finished.
private func finishedRun(in folder: String, epochs: Int = 2) throws -> String {
    let results = (folder as NSString).appendingPathComponent("results")
    let spec = try tinySpec(in: folder, epochs: epochs, sampleEvery: 1)
    let run = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    run.waitUntilExit()
    #expect(run.terminationStatus == 0)
    return results
}

@Test func servePagesOfARunAndRefusesWhatItShouldNot() throws {
    let folder = temporaryFolder("serve")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let results = try finishedRun(in: folder)
    let (server, base) = try startServer(["--results", results], folder: folder)
    defer { server.terminate(); server.waitUntilExit() }
    #expect(base.hasPrefix("http://127.0.0.1:"))

    let index = try get(base, "/")
    #expect(index.status == 200 && index.body.contains("tiny"))
    let hash = try #require(index.body.range(of: #"/experiments/[0-9a-f]{12}"#, options: .regularExpression).map { String(index.body[$0]) })
    let page = try get(base, hash)
    #expect(page.status == 200)
    for part in ["data-epochs-done", "Accuracy per fold", "HA-GAN", "/jobs/1"] { #expect(page.body.contains(part), "no '\(part)'") }
    #expect(try get(base, "/jobs/1").body.contains("Metrics per epoch"))
    // A job's page draws its curves and lets one browse its sample grids by epoch.
    let haganJob = try #require(try store0(results).query("SELECT id FROM jobs WHERE model_name = 'HA-GAN' LIMIT 1").first?["id"]
        .flatMap { Int64.fromDatabaseValue($0) })
    let jobPage = try get(base, "/jobs/\(haganJob)").body
    #expect(jobPage.contains("<svg") && jobPage.contains("Sample grids") && jobPage.contains("epoch 2</option>"))
    #expect(try get(base, "/compare?sweep=nosuchsweep").status == 404)
    #expect(try get(base, "/compare?experiments=tiny").body.contains("two or more"))
    #expect(try get(base, hash + "/report.csv").head.contains("text/csv"))
    #expect(try get(base, hash + "/report.json").status == 200)
    for reference in ["src=\"http", "href=\"http", "url(http", "import("] {
        #expect(!page.body.contains(reference), "the page fetches something from elsewhere (\(reference))")
    }

    // A sample grid is served; nothing outside the folder, hidden, encoded or through a link is.
    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    let grid = try #require(try store.query("SELECT path FROM artifacts WHERE kind = 'samples' LIMIT 1").first?["path"]
        .flatMap { String.fromDatabaseValue($0) })
    let served = try get(base, "/files/" + grid)
    #expect(served.status == 200 && served.head.contains("image/png"))
    try "TOPSECRET-123".write(toFile: (folder as NSString).appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: (results as NSString).appendingPathComponent("link.txt"),
                                               withDestinationPath: (folder as NSString).appendingPathComponent("secret.txt"))
    try "HIDDEN-456".write(toFile: (results as NSString).appendingPathComponent(".hidden.txt"), atomically: true, encoding: .utf8)
    for target in ["/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/..%2fsecret.txt", "/files/samples/..%2F..%2Fsecret.txt",
                   "/files/link.txt", "/files/.hidden.txt", "/files/%2Fetc%2Fpasswd"] {
        let r = try get(base, target)
        #expect(r.status == 400 || r.status == 404, "\(target) answered \(r.status)")
        #expect(!r.body.contains("TOPSECRET") && !r.body.contains("HIDDEN-456") && !r.body.contains("root:"), "\(target) leaked a file")
    }
    #expect(try get(base, "/files/runs.sqlite").status == 404, "the run log itself is not a file to serve")
    #expect(try get(base, "/jobs/abc").status == 400)
    #expect(try get(base, "/jobs/-3").status == 400)
    #expect(try get(base, hash + "/live?after=x").status == 400)
    #expect(try get(base, "/experiments/nosuchexperiment").status == 404)
    #expect(try get(base, "/jobs/999999").status == 404)
    #expect(try get(base, "/tunes/nosuchtune").status == 404)
}

@Test func serveWithoutARunLogSaysSoAndOtherHostsNeedTheToken() throws {
    let folder = temporaryFolder("serve-token")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let empty = (folder as NSString).appendingPathComponent("empty")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let (quiet, quietBase) = try startServer(["--results", empty], folder: folder)
    let none = try get(quietBase, "/")
    #expect(none.status == 404 && none.body.contains("No run log yet") && none.body.contains("exp run"))
    quiet.terminate()
    quiet.waitUntilExit()

    let (server, base) = try startServer(["--results", empty, "--host", "0.0.0.0"], folder: folder)
    defer { server.terminate(); server.waitUntilExit() }
    let token = try #require(base.components(separatedBy: "token=").last)
    #expect(token.count == 32)
    let port = URL(string: base)!.port!
    let plain = "http://127.0.0.1:\(port)"
    #expect(try get(plain, "/").status == 401)
    #expect(try get(plain, "/?token=wrong").status == 401)
    #expect(try get(plain, "/", headers: ["Authorization: Bearer wrong"]).status == 401)
    let first = try get(plain, "/?token=\(token)")
    #expect(first.status == 404 && first.head.lowercased().contains("set-cookie: exp_token=\(token)"))
    #expect(try get(plain, "/", headers: ["Cookie: exp_token=\(token)"]).status == 404)
    #expect(try get(plain, "/", headers: ["Authorization: Bearer \(token)"]).status == 404)
}

private let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

@Test func anExperimentPageGrowsByItselfWhileTheRunTrains() throws {
    guard let chromium else {
        print("skipped: Chromium is not installed (apt-get install chromium), so the live page is not checked in a browser")
        return
    }
    let folder = temporaryFolder("serve-live")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let results = (folder as NSString).appendingPathComponent("results")
    let spec = try tinySpec(in: folder, epochs: 40, sampleEvery: 5)
    let run = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    defer { kill(-run.processIdentifier, SIGKILL); run.waitUntilExit() }
    // Until the run has registered its experiment and trained an epoch.
    let database = ResultsLayout(root: results).database
    var epochs = 0
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, epochs < 2 {
        Thread.sleep(forTimeInterval: 0.2)
        if let store = try? RunStore(path: database, readOnly: true), let rows = try? store.query("SELECT COUNT(*) AS n FROM metrics"),
           let n = rows.first?["n"].flatMap({ Int.fromDatabaseValue($0) }) { epochs = n }
    }
    let (server, base) = try startServer(["--results", results], folder: folder)
    defer { server.terminate(); server.waitUntilExit() }
    let hash = try #require(try get(base, "/").body.range(of: #"/experiments/[0-9a-f]{12}"#, options: .regularExpression)
        .map { try! get(base, "/").body[$0] }.map(String.init))
    // Virtual time runs on while no request is pending: the page's waiting requests let the
    // run train a few epochs meanwhile.
    let dom = try runCapturing(URL(fileURLWithPath: chromium), ["--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                                                               "--v=0", "--virtual-time-budget=4000", "--dump-dom", base + String(hash.dropFirst())],
                               timeout: 180)
    let body = try #require(dom.out.range(of: #"<body[^>]*>"#, options: .regularExpression).map { String(dom.out[$0]) })
    func attribute(_ name: String) -> Int? {
        body.range(of: "\(name)=\"[0-9]+\"", options: .regularExpression).map { Int(body[$0].split(separator: "\"")[1])! }
    }
    let first = try #require(attribute("data-first-epochs")), now = try #require(attribute("data-epochs"))
    #expect((attribute("data-updates") ?? 0) >= 1, "the page never updated: \(body)")
    #expect(now > first, "no new epoch reached the page: \(body)")
    let console = dom.err.split(separator: "\n").filter { $0.contains(":CONSOLE") }
    #expect(console.isEmpty, "console messages: \(console.prefix(5))")
    // Every image of the page decoded ("N of N", recorded by the report's script at load).
    if let loaded = body.range(of: #"data-images-loaded="[0-9]+ of [0-9]+""#, options: .regularExpression) {
        let counts = body[loaded].split(separator: "\"")[1].components(separatedBy: " of ")
        #expect(counts[0] == counts[1], "not every image loaded: \(body)")
    }
}
