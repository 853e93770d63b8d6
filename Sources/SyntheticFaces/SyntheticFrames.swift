// SyntheticFrames: a drawn face placed inside a larger camera frame, for the video layouts whose
// real frames show much more than the face (MMI 720x576, Oulu-CASIA 320x240). Each subject sits at
// its own place in the frame (drawn from the seed), in front of a graded backdrop, so a loader that
// resized whole frames would give small, off-centre faces and one that aligns on landmarks would
// not (section 5.1).

import FaceData
import NN

/// The size of a camera frame.
public struct FrameSize: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// MMI's frames (Pantic et al. 2005) and Oulu-CASIA's visible-light frames (Zhao et al. 2011).
    public static let mmi = FrameSize(width: 720, height: 576)
    public static let oulu = FrameSize(width: 320, height: 240)
}

public enum SyntheticFrames {
    /// The place of `subject`'s face (its top-left corner) in a frame: the same for all of the
    /// subject's images, anywhere the face fits.
    public static func origin(faceSize: Int, frame: FrameSize, subject: Int, seed: UInt64) -> (x: Int, y: Int) {
        precondition(faceSize <= frame.width && faceSize <= frame.height, "face \(faceSize) px does not fit a \(frame.width)x\(frame.height) frame")
        var g = SeededGenerator(seed: seed).child("synthetic-frames").child("subject", subject)
        return (g.int(below: frame.width - faceSize + 1), g.int(below: frame.height - faceSize + 1))
    }

    /// `face` pasted at `origin` into a frame with a vertical gray-blue gradient.
    public static func place(_ face: Image, in frame: FrameSize, at origin: (x: Int, y: Int)) -> Image {
        var out = Image(width: frame.width, height: frame.height, channels: face.channels)
        let tint: [Float] = face.channels == 3 ? [0.55, 0.6, 0.7] : [0.6]
        for c in 0..<face.channels {
            for y in 0..<frame.height {
                let shade = tint[c] * (0.75 + 0.35 * Float(y) / Float(frame.height))
                for x in 0..<frame.width { out[c, y, x] = shade }
            }
            for y in 0..<face.height {
                for x in 0..<face.width { out[c, origin.y + y, origin.x + x] = face[c, y, x] }
            }
        }
        return out
    }
}
