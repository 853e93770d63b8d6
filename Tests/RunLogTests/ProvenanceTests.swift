// Provenance probes and the dataset fingerprint.

import Foundation
import Hashing
import RunLog
import Spec
import TestSupport
import Testing

@Test func gitProbeReadsThisCheckoutAndToleratesOtherFolders() throws {
    let (commit, dirty) = ProvenanceProbe.git(in: repositoryRoot())
    if FileManager.default.fileExists(atPath: repositoryRoot() + "/.git") {
        #expect(commit?.count == 40)
        #expect(dirty != nil)
    }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let outside = ProvenanceProbe.git(in: folder.path)
    #expect(outside.commit == nil && outside.dirty == nil)
}

@Test func osAndCPUProbes() {
    #expect(ProvenanceProbe.operatingSystem().hasPrefix("Linux ") || ProvenanceProbe.operatingSystem().hasPrefix("Darwin "))
    #expect(ProvenanceProbe.cpuModel(fromCpuinfo: "processor\t: 0\nvendor_id\t: X\nmodel name\t: Test CPU @ 2.00GHz\nflags\t: a\n") == "Test CPU @ 2.00GHz")
    #expect(ProvenanceProbe.cpuModel(fromCpuinfo: "processor : 0\n") == nil)
    #expect(ProvenanceProbe.cpu().contains("logical CPUs"))
    let collected = ProvenanceProbe.collect(toolVersion: "1", sourceDirectory: repositoryRoot(), blasConfig: "b", blasThreads: 2, datasetFingerprint: "f")
    #expect(collected.blasThreads == 2 && collected.datasetFingerprint == "f" && collected.toolVersion == "1")
}

@Test func datasetFingerprintFollowsPathsSizesAndTimes() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let root = folder.path
    let fm = FileManager.default
    try fm.createDirectory(atPath: root + "/S010/001", withIntermediateDirectories: true)
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root + "/S010/001/a.png"))
    try Data([4, 5]).write(to: URL(fileURLWithPath: root + "/S010/001/b.png"))
    try Data([9]).write(to: URL(fileURLWithPath: root + "/.DS_Store"))
    let time = Date(timeIntervalSince1970: 1_700_000_000)
    for file in ["/S010/001/a.png", "/S010/001/b.png"] {
        try fm.setAttributes([.modificationDate: time], ofItemAtPath: root + file)
    }
    let entries = try DatasetFingerprint.entries(under: root).sorted { $0.path < $1.path }
    #expect(entries == [
        .init(path: "S010/001/a.png", size: 3, modified: 1_700_000_000), .init(path: "S010/001/b.png", size: 2, modified: 1_700_000_000),
    ])
    let first = try DatasetFingerprint.ofDirectory(root)
    // Hand-built expectation: the documented line format, sorted, hashed.
    let text = "S010/001/a.png\t3\t1700000000\nS010/001/b.png\t2\t1700000000\n"
    #expect(first == SHA256.hex(of: Array(text.utf8)))
    #expect(DatasetFingerprint.of(entries.reversed()) == first)
    try fm.setAttributes([.modificationDate: time.addingTimeInterval(5)], ofItemAtPath: root + "/S010/001/b.png")
    #expect(try DatasetFingerprint.ofDirectory(root) != first)
    #expect(DatasetFingerprint.of([.init(path: "a", size: 1)]) == SHA256.hex(of: Array("a\t1\t-\n".utf8)))
    #expect(throws: SpecError.self) { try DatasetFingerprint.ofDirectory(root + "/missing") }
}
