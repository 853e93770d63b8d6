// The pages of `exp serve`, built as HTML text from the run log (read-only) at each request:
// the experiments, an experiment (its progress and ETA, then the report with its answer first,
// refreshed in place while jobs run), a job (every metric per epoch, attempts, executions), a
// tune. Every style and script is in the page: nothing is fetched from elsewhere.

import Foundation
import Hummingbird
import Report
import RunLog
import Runner
import Vocabulary

enum Pages {
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func response(_ status: HTTPResponse.Status, _ html: String, type: String = "text/html; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type, .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static let style = """
        body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#222}
        a{color:#1f5fbf}table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ddd;padding:0.25em 0.6em;text-align:left}
        th{background:#f4f4f4;cursor:pointer}nav{margin-bottom:1em}.muted{color:#666}.progress{background:#f7f9fc;border:1px solid #dde;padding:0.6em 1em}
        .bar{background:#e3e8f0;height:0.6em;width:20em;display:inline-block;vertical-align:middle}.bar span{background:#1f77b4;height:100%;display:block}
        """

    static func document(title: String, body: String, script: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(esc(title))</title><style>\(style)</style></head>
        <body><nav><a href="/">experiments</a></nav>
        \(body)
        \(script.isEmpty ? "" : "<script>\(script)</script>")
        </body></html>

        """
    }

    // MARK: experiments

    static func index(results: String) throws -> String {
        let rows = try ExperimentComparisons.overview(results: results)
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        defer { try? store.close() }
        let tunes = try store.tunes()
        var trialHashes = Set<String>()
        let hashByID = Dictionary(uniqueKeysWithValues: try store.experiments().map { ($0.id, String($0.specHash.prefix(12))) })
        var tuneRows = ""
        for tune in tunes {
            let trials = try store.trials(tuneID: tune.id)
            trialHashes.formUnion(trials.compactMap { hashByID[$0.experimentID] })
            let chosen = trials.filter(\.chosen).map { "\($0.modelName) #\($0.trial)" }
            tuneRows += "<tr><td><a href=\"/tunes/\(tune.hash.prefix(12))\">\(esc(tune.name))</a></td><td>\(tune.hash.prefix(12))</td>"
                + "<td>\(trials.count)</td><td>\(esc(chosen.isEmpty ? "not finished" : chosen.joined(separator: ", ")))</td></tr>"
        }
        var body = "<h1>Experiments</h1><p class=\"muted\">\(esc(ResultsLayout(root: results).database)). Click a column to sort.</p>"
        body += "<p><input id=\"filter\" placeholder=\"filter by name or table\" oninput=\"filterRows()\"></p>"
        body += "<table id=\"experiments\"><thead><tr><th>name</th><th>hash</th><th>sweep</th><th>table</th><th>created</th><th>jobs</th>"
            + "<th>wall time</th><th>mean accuracy (%)</th></tr></thead><tbody>"
        for e in rows where !trialHashes.contains(e.hash) {
            let accuracy = e.accuracies.map { "\(esc($0.model)) \(String(format: "%.2f", 100 * $0.mean))" }.joined(separator: ", ")
            body += "<tr><td><a href=\"/experiments/\(e.hash)\">\(esc(e.name))</a></td><td>\(e.hash)</td><td>\(esc(e.sweeps.joined(separator: ",")))</td>"
                + "<td>\(esc(e.table))</td><td>\(esc(String(e.created.prefix(16)).replacingOccurrences(of: "T", with: " ")))</td>"
                + "<td>\(e.jobsDone)/\(e.jobsTotal)</td><td>\(e.wallSeconds.map { formatDuration($0) } ?? "-")</td><td>\(accuracy)</td></tr>"
        }
        body += "</tbody></table>"
        let sweeps = try store.sweeps()
        if !sweeps.isEmpty {
            body += "<h2>Sweeps</h2><table><tr><th>sweep</th><th>name</th><th>options</th><th>experiments</th></tr>"
            for sweep in sweeps {
                body += "<tr><td><a href=\"/compare?sweep=\(sweep.hash.prefix(12))\">\(sweep.hash.prefix(12))</a></td><td>\(esc(sweep.name))</td>"
                    + "<td>\(esc(sweep.options.joined(separator: " ")))</td><td>\(sweep.experiments.count)</td></tr>"
            }
            body += "</table>"
        }
        body += "<form action=\"/compare\"><p>Compare experiments (names or hashes, comma-separated): <input name=\"experiments\" size=\"40\"> "
            + "<button>compare</button></p></form>"
        if !tuneRows.isEmpty {
            body += "<h2>Tunes</h2><table><tr><th>name</th><th>hash</th><th>trials</th><th>chosen</th></tr>\(tuneRows)</table>"
        }
        let script = """
            function filterRows(){const q=document.getElementById('filter').value.toLowerCase();
            for(const r of document.querySelectorAll('#experiments tbody tr')){r.style.display=r.textContent.toLowerCase().includes(q)?'':'none';}}
            for(const [i,th] of document.querySelectorAll('#experiments th').entries()){th.addEventListener('click',()=>{
            const body=document.querySelector('#experiments tbody');const rows=[...body.rows];const up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';
            rows.sort((a,b)=>{const x=a.cells[i].textContent,y=b.cells[i].textContent;const n=parseFloat(x)-parseFloat(y);
            return (isNaN(n)?x.localeCompare(y):n)*(up?1:-1);});rows.forEach(r=>body.appendChild(r));});}
            """
        return document(title: "exp: experiments", body: body, script: script)
    }

    // MARK: an experiment

    /// The experiment's page: a shell whose `live` part is fetched again every 2 s and replaced
    /// when it changed, so curves grow and the answer fills in without a reload.
    static func experiment(results: String, key: String) throws -> String {
        let live = try experimentLive(results: results, key: key)
        // The body records how many updates were applied and the epochs shown at load and now
        // (read by the browser test).
        let script = """
            const live=document.getElementById('live');let last=live.innerHTML;let updates=0;
            const epochs=()=>{const p=live.querySelector('[data-epochs-done]');return p?p.getAttribute('data-epochs-done'):'';};
            document.body.setAttribute('data-first-epochs',epochs());
            async function poll(){let wait=1000;try{const r=await fetch('/experiments/\(esc(key))/live?after='+epochs(),{cache:'no-store'});
            if(r.ok){const t=await r.text();if(t!==last){live.innerHTML=t;last=t;updates+=1;
            document.body.setAttribute('data-updates',String(updates));document.body.setAttribute('data-epochs',epochs());}}else{wait=5000;}}
            catch(e){wait=5000;}
            setTimeout(poll,wait);}
            setTimeout(poll,0);
            """
        return document(title: "exp: \(key)", body: "<div id=\"live\">\(live)</div>", script: script)
    }

    /// What changes while jobs run: progress and ETA, then the report (answer first), then the jobs.
    static func experimentLive(results: String, key: String) throws -> String {
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        defer { try? store.close() }
        let e = try store.experiment(matching: key)
        let s = try store.statusSummary(experimentID: e.id)
        let eta = ExperimentETA.estimate(jobs: s.jobs.map(\.job), intervals: try store.epochIntervals(host: nil).filter { $0.experimentID == e.id })
        let done = s.counts[.completed] ?? 0
        let share = s.epochsPlanned > 0 ? 100 * Double(s.epochsDone) / Double(s.epochsPlanned) : 0
        var progress = "<div class=\"progress\" data-epochs-done=\"\(s.epochsDone)\"><span class=\"bar\"><span style=\"width:\(String(format: "%.1f", share))%\"></span></span> "
        let others = JobStatus.allCases.filter { $0 != .completed }.compactMap { st in s.counts[st].map { "\($0) \(st.rawValue)" } }
        progress += "jobs: \(done) of \(s.total) done" + (others.isEmpty ? "" : " (" + others.joined(separator: ", ") + ")")
        progress += "; epochs \(s.epochsDone) of \(s.epochsPlanned)"
        // Under Slurm: how many of the tasks are in each of its states.
        var states: [String: Int] = [:]
        for x in try store.executions(experimentID: e.id).values where x.executor == "slurm" { states[x.state ?? "submitted", default: 0] += 1 }
        if !states.isEmpty { progress += "; Slurm tasks: " + states.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") }
        if eta.epochsLeft > 0 {
            progress += "; time left: " + (eta.seconds.map { "about \(durationText($0))" } ?? "not known before each model has a measured epoch")
        }
        progress += "</div>"
        // The report's own page body (its title, then the answer first), the progress under its title.
        var html = ""
        let loaded = try ReportGenerator.load(results: results, experiment: e.specHash)
        let page = try ReportGenerator.render(loaded.report, format: .html, data: loaded.data, results: results)
        if let start = page.range(of: "<body>"), let end = page.range(of: "</body>", options: .backwards) {
            var body = String(page[start.upperBound..<end.lowerBound])
            if let title = body.range(of: "</h1>") { body.insert(contentsOf: progress, at: title.upperBound) } else { body = progress + body }
            html += body
        } else {
            html += progress
        }
        if let head = page.range(of: "<style>"), let close = page.range(of: "</style>") {
            html += "<style>" + String(page[head.upperBound..<close.lowerBound]) + "</style>"
        }
        html += "<h2>Jobs</h2><table><tr><th>model</th><th>run</th><th>fold</th><th>status</th><th>epochs</th><th>test accuracy (%)</th><th>validation (%)</th></tr>"
        for p in s.jobs {
            let j = p.job
            let pct = { (k: String) in p.latestMetrics[k].map { String(format: "%.2f", 100 * $0) } ?? "-" }
            html += "<tr><td><a href=\"/jobs/\(j.id)\">\(esc(j.modelName))</a></td><td>\(j.run)</td><td>\(j.fold)</td><td>\(j.status.rawValue)</td>"
                + "<td>\(j.epochsDone)/\(j.epochsPlanned)</td><td>\(pct("accuracy.test"))</td><td>\(pct("accuracy.validation"))</td></tr>"
        }
        html += "</table><p>Downloads: <a href=\"/experiments/\(e.specHash.prefix(12))/report.csv\">CSV</a>, "
            + "<a href=\"/experiments/\(e.specHash.prefix(12))/report.json\">JSON</a>.</p>"
        return html
    }

    /// Epochs done by the experiment's jobs so far (what a waiting page compares).
    static func epochsDone(results: String, key: String) throws -> Int {
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        defer { try? store.close() }
        return try store.statusSummary(experimentID: try store.experiment(matching: key).id).epochsDone
    }

    // MARK: compare

    /// `exp compare` as a page: a sweep's experiments, or the experiments named.
    static func compare(results: String, sweep: String?, experiments: [String]) throws -> String {
        var keys = experiments
        var title = "Compare"
        if let sweep {
            let (record, members) = try ExperimentComparisons.sweepExperiments(results: results, sweep: sweep)
            title = "Sweep \(record.hash.prefix(12)) of \(record.name): --sweep \(record.options.joined(separator: " --sweep "))"
            keys = members + experiments
        }
        guard keys.count >= 2 else {
            return document(title: "exp: compare", body: "<h1>Compare</h1><p>Choose two or more experiments (or a sweep with two or more).</p>")
        }
        let lines = ExperimentComparisons.text(try ExperimentComparisons.compare(results: results, keys: keys))
        return document(title: "exp: \(title)", body: "<h1>\(esc(title))</h1><pre>\(esc(lines.joined(separator: "\n")))</pre>")
    }

    // MARK: a job

    static func job(results: String, id: Int64) throws -> String {
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        defer { try? store.close() }
        let j = try store.job(id: id)
        let metrics = try store.metrics(jobID: id)
        let keys = Array(Set(metrics.map(\.key))).sorted()
        var byEpoch: [Int: [String: Double]] = [:]
        for m in metrics { byEpoch[m.epoch, default: [:]][m.key] = m.value }
        var body = "<h1>\(esc(j.modelName)), run \(j.run), fold \(j.fold)</h1>"
        body += "<p>Status <b>\(j.status.rawValue)</b>, epoch \(j.epochsDone) of \(j.epochsPlanned), attempt(s) \(j.attempts), seed \(j.seed). "
            + (try store.experiments().first { $0.id == j.experimentID }.map { e in
                "Experiment <a href=\"/experiments/\(e.specHash.prefix(12))\">\(esc(e.name))</a>." } ?? "") + "</p>"
        if let error = j.error { body += "<pre>\(esc(error))</pre>" }
        if let svg = JobCurves.svg(title: "\(j.modelName), run \(j.run), fold \(j.fold)", points: metrics.map { ($0.key, $0.epoch, $0.value) }) {
            body += "<figure>\(svg)</figure>"
        }
        // The sample grids of the job, one epoch at a time.
        let grids = try store.artifacts(jobID: id).filter { $0.kind == "samples" }.sorted { ($0.epoch ?? 0) < ($1.epoch ?? 0) }
        if let last = grids.last {
            body += "<h2>Sample grids</h2><p><select id=\"grid\" onchange=\"document.getElementById('gridimage').src=this.value\">"
                + grids.map { g in "<option value=\"/files/\(esc(g.path))\"\(g.path == last.path ? " selected" : "")>epoch \(g.epoch ?? 0)</option>" }.joined()
                + "</select></p><img id=\"gridimage\" alt=\"sample grid\" style=\"image-rendering:pixelated;width:16em\" src=\"/files/\(esc(last.path))\">"
        }
        body += "<h2>Metrics per epoch</h2><table><tr><th>epoch</th>" + keys.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        for epoch in byEpoch.keys.sorted() {
            body += "<tr><td>\(epoch)</td>" + keys.map { k in
                "<td>" + (byEpoch[epoch]?[k].map { k.hasPrefix("accuracy") ? String(format: "%.2f%%", 100 * $0) : String(format: "%.4f", $0) } ?? "-") + "</td>"
            }.joined() + "</tr>"
        }
        body += "</table><h2>Attempts</h2><table><tr><th>attempt</th><th>resumed after epoch</th><th>started</th><th>numerics</th></tr>"
        for a in try store.attempts(jobID: id) {
            body += "<tr><td>\(a.attempt)</td><td>\(a.resumedFromEpoch)</td><td>\(esc(a.startedAt))</td>"
                + "<td>\(esc("\(a.machine.mode.rawValue) v\(a.machine.version), \(a.machine.blasCore), \(a.machine.widestISA)"))</td></tr>"
        }
        body += "</table>"
        if let x = try store.executions(jobIDs: [id])[id] {
            body += "<h2>Execution</h2><p>\(esc(x.executor))" + (x.arrayJobID.map { ", Slurm array job \($0)" } ?? "")
                + (x.arrayIndex.map { " task \($0)" } ?? "") + (x.node.map { " on \(esc($0))" } ?? "") + (x.state.map { ", state \(esc($0))" } ?? "")
                + (x.reason.map { " (\(esc($0)))" } ?? "") + (x.exitCode.map { ", exit \(esc($0))" } ?? "") + ", requeues \(x.requeues)</p>"
        }
        return document(title: "exp: job \(id)", body: body)
    }
}
