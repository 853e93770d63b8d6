// The choices of a spec's face alignment (section 5.1: "Face detection and face alignment is
// performed based on the facial landmarks", CE-CLM in the paper; here the dataset's own landmarks,
// OpenFace 2.0 CSVs made elsewhere, or dlib's detector and 68-point shape predictor).

/// Where the landmarks that align a face come from (`dataset.align`).
public enum Alignment: String, SpecChoice {
    /// Per image: the dataset's own landmarks (CK+ `Landmarks/`) when it ships them, else the
    /// OpenFace CSVs of `dataset.openface`, else dlib's detector.
    case auto
    /// The dataset's own or OpenFace landmarks only; an image without any follows `noFace`.
    case landmarks
    /// dlib's detector and shape predictor for every image, whatever landmarks the dataset ships.
    case detect
    /// No alignment: the whole frame is resized to the image size (the file is taken as a face crop).
    case none
}

/// What happens to an image where no face is found (or, with `align: landmarks`, that has no
/// landmarks) (`dataset.noFace`).
public enum NoFacePolicy: String, SpecChoice {
    /// The run stops before training, naming every such file.
    case error
    /// The image is left out of the dataset (counted and listed).
    case skip
    /// The whole frame is resized instead, as with `align: none` (counted and listed).
    case center
}

/// Where alignment puts the eyes in the square face image, and how far dlib's detector looks for
/// small faces (`dataset.alignment`; its spelling in spec files is in Spec). The similarity
/// transform (rotation, uniform scale, translation) maps the eye centres, the means of landmarks
/// 37-42 and 43-48 (1-based, iBUG order), to (0.5 -/+ eyeDistance / 2, eyeLevel) times the image
/// size; the crops are then taken from that image (section 5.1).
public struct AlignmentGeometry: Equatable, Sendable {
    /// Distance between the eye centres as a share of the image side.
    public var eyeDistance: Double
    /// Height of the eye line below the top as a share of the image side.
    public var eyeLevel: Double
    /// How many times dlib may double an image in which it found no face at the image's own scale
    /// (its smallest face is 80x80 pixels, so 40x40 after one doubling); each doubling costs about
    /// four times the first scan.
    public var upsample: Int

    public init(eyeDistance: Double = 0.4, eyeLevel: Double = 0.4, upsample: Int = 1) {
        self.eyeDistance = eyeDistance
        self.eyeLevel = eyeLevel
        self.upsample = upsample
    }

    /// Eyes 40% of the side apart, 40% down (the face fills the frame from brows to chin), one
    /// doubling for small faces.
    public static let standard = AlignmentGeometry()

    /// The ranges a spec may give.
    public static let eyeDistanceRange = 0.1...0.8
    public static let eyeLevelRange = 0.1...0.9
    public static let upsampleRange = 0...3
}
