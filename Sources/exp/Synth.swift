// `exp synth`: draws synthetic faces: a contact sheet, a dataset tree in a native layout, or a
// drawing-speed measurement.

import ArgumentParser
import Benchmarks
import FaceData
import Foundation
import SyntheticFaces

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw synthetic faces: a contact sheet (--sheet), a dataset tree (--layout --out) or a speed test (--bench).",
        discussion: """
            Layouts (each in the format its `exp data inspect --kind` loader reads): ckplus, oulu \
            (JPEG), mmi, jaffe (TIFF) and folder (CK+48 style, with an index.csv manifest) write human \
            subjects; ferg writes the stylised characters (--subjects is then the number of images \
            per character and expression).
            """)

    @Option(help: "Write a contact sheet (PNG): subjects x expressions, then the characters.")
    var sheet: String?

    @Option(help: "Write a dataset tree in this layout (ckplus, oulu, mmi, jaffe, ferg, folder).")
    var layout: String?

    @Option(help: "Root folder of the dataset tree written with --layout.")
    var out: String?

    @Option(help: "Draw this many 64x64 gray faces (or --size) and print the faces per second.")
    var bench: Int?

    @Option(help: "Seed of the subjects and their images.")
    var seed: UInt64 = 1

    @Option(help: "Image width and height in pixels.")
    var size: Int = 64

    @Option(help: "Number of human subjects.")
    var subjects: Int = 6

    @Option(help: ArgumentHelp("oulu and mmi: place each face (--size) in a camera frame of this size, e.g. 720x576 (MMI) or 320x240 (Oulu-CASIA).",
                               valueName: "WxH"))
    var frame: String?

    /// The --frame size, nil when not given.
    var frameSize: FrameSize? {
        guard let frame else { return nil }
        let parts = frame.split(separator: "x").compactMap { Int($0) }
        return parts.count == 2 ? FrameSize(width: parts[0], height: parts[1]) : nil
    }

    @Flag(help: "Draw the human subjects of the sheet without impurity or nuisances (full prototypes, centred).")
    var pure = false

    func validate() throws {
        guard size >= 16 && size <= 1024 else { throw ValidationError("--size \(size): use 16 ... 1024 pixels") }
        guard subjects >= 1 && subjects <= 999 else { throw ValidationError("--subjects \(subjects): use 1 ... 999") }
        guard sheet != nil || layout != nil || bench != nil else {
            throw ValidationError("give --sheet FILE, --layout NAME --out DIR, or --bench N")
        }
        if let layout {
            guard SyntheticLayout(rawValue: layout) != nil else {
                throw ValidationError("--layout \(layout): use one of "
                    + SyntheticLayout.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard out != nil else { throw ValidationError("--layout needs --out DIR") }
        }
        if let frame {
            guard layout == "oulu" || layout == "mmi" else { throw ValidationError("--frame is for --layout oulu or mmi") }
            guard let f = frameSize, f.width >= size, f.height >= size, f.width <= 4096, f.height <= 4096 else {
                throw ValidationError("--frame \(frame): give WxH, each side at least --size (\(size)) and at most 4096")
            }
        }
        if let bench, bench < 1 { throw ValidationError("--bench \(bench): give a positive number of faces") }
    }

    func run() throws {
        if let sheet {
            let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 3,
                                         variation: pure ? .none : .standard)
            let characters = SyntheticCharacters(seed: seed, size: size)
            try ContactSheet.make(humans: humans, characters: characters, subjects: subjects).writePNG(to: sheet)
        }
        if let layout, let out, let kind = SyntheticLayout(rawValue: layout) {
            let summary = try SyntheticLayouts.write(kind, subjects: subjects, seed: seed, size: size, frame: frameSize, to: out)
            let sequences = summary.sequences > 0 ? "\(summary.sequences) sequences, " : ""
            let who = kind == .ferg ? "characters" : "subjects"
            print("\(layout): \(summary.images) images, \(sequences)\(summary.subjects.count) \(who) under \(out)")
        }
        if let bench {
            let r = DataBenchmark.syntheticFaces(count: bench, size: size, seed: seed)
            print(String(format: "%d faces of %dx%d gray: %.3f s wall (%.0f faces/s), %.3f s CPU (%.0f faces/s) "
                         + "(checksum %.3f)", bench, size, size, r.wall, Double(bench) / r.wall, r.cpu,
                         Double(bench) / r.cpu, Double(r.checksum)))
        }
    }
}
