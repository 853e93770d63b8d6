// The cross-machine fixture (Tests/Fixtures/portable): this machine's bits in portable numerics
// against those of the machine that wrote digest.txt, through `exp run` and `exp verify` as a user
// runs them; and `exp verify` finding a tampered log.

import Foundation
import GRDB
import Testing
import TestSupport

@Suite(.serialized) struct PortableFixtureTests {
    static let fixture = (repositoryRoot() as NSString).appendingPathComponent("Tests/Fixtures/portable")

    /// The digest lines of `exp verify`'s output or of digest.txt: "<job> <digest>" and "digest <hex>".
    static func digests(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }.compactMap { line in
            if line.hasPrefix("digest ") { return line }
            guard let range = line.range(of: ": identical  digest ") ?? line.range(of: ": DIFFERENT  digest ") else {
                return line.contains(" run ") && line.split(separator: " ").last?.count == 64 ? line : nil
            }
            return line[..<range.lowerBound] + " " + line[range.upperBound...]
        }
    }

    @Test func fixtureDigestMatchesOnThisMachine() throws {
        let folder = temporaryFolder("portable")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = (folder as NSString).appendingPathComponent("results")
        let spec = (Self.fixture as NSString).appendingPathComponent("spec.json")
        let run = try runCapturing(expExecutable, ["run", spec, "--only", "run=0,fold=0", "--results", results])
        #expect(run.normal && run.status == 0, "exp run: \(run.err)")
        let verify = try runCapturing(expExecutable, ["verify", "portable", "--results", results])
        #expect(verify.status == 0 && verify.out.contains("\nidentical"), "exp verify: \(verify.out) \(verify.err)")
        let expected = Self.digests(try String(contentsOfFile: (Self.fixture as NSString).appendingPathComponent("digest.txt"), encoding: .utf8))
        #expect(expected.count == 3)
        let machine = try runCapturing(expExecutable, ["verify", "portable", "--results", results, "--only", "model=HA-GAN"]).out
        #expect(Self.digests(verify.out) == expected,
                "this machine's portable bits differ from the fixture's (Tests/Fixtures/portable/README.md): \(verify.out)\n\(machine)")
    }

    @Test func verifyReportsTheFirstDifferenceOfATamperedLog() throws {
        let folder = temporaryFolder("verify-tampered")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = (folder as NSString).appendingPathComponent("results")
        let spec = try tinySpec(in: folder, epochs: 2)
        let run = try runCapturing(expExecutable, ["run", spec, "--only", "run=0,fold=0", "--results", results])
        #expect(run.status == 0, "exp run: \(run.err)")
        let clean = try runCapturing(expExecutable, ["verify", "tiny", "--results", results])
        #expect(clean.status == 0 && clean.out.hasSuffix("identical\n"), "\(clean.out) \(clean.err)")

        let database = try DatabaseQueue(path: (results as NSString).appendingPathComponent("runs.sqlite"))
        try database.write { db in
            try db.execute(sql: """
                UPDATE metrics SET value = value * (1 + 1e-15) WHERE key = 'accuracy.test' AND epoch = 2
                AND job_id = (SELECT id FROM jobs WHERE model_name = 'HA-GAN' AND run = 0 AND fold = 0)
                """)
        }
        try database.close()
        let tampered = try runCapturing(expExecutable, ["verify", "tiny", "--results", results])
        #expect(tampered.normal && tampered.status == 1)
        #expect(tampered.out.contains("HA-GAN run 0 fold 0: DIFFERENT"), "\(tampered.out)")
        #expect(tampered.out.contains("CNN(baseline) run 0 fold 0: identical"), "\(tampered.out)")
        #expect(tampered.out.contains("log:       metric accuracy.test epoch 2"), "\(tampered.out)")
        #expect(tampered.out.contains("retrained computed on: portable v1"), "\(tampered.out)")
        #expect(tampered.out.hasSuffix("different\n"))
    }
}
