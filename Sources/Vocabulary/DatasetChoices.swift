// The choices of a spec's `dataset`, `character`, `protocol` and `table`.

/// Dataset layouts the loaders read (FaceData).
public enum DatasetKind: String, SpecChoice {
    /// CK+: `cohn-kanade-images/Sxxx/yyy/*.png` with `Emotion/` labels.
    case ckplus
    /// MMI: per-sequence frame folders and a label file.
    case mmi
    /// Oulu-CASIA visible light, strong illumination: `[OriginalImg/VL/Strong/]Pxxx/<Expression>/*.jpeg`.
    case oulu
    /// One folder per class, the subject read from each file name by `subjectPattern` (e.g. CK+48).
    case folder
    /// A CSV manifest with columns path,label,subject (`root` is the manifest file).
    case csv
    /// Procedurally rendered faces (no files; `root` not used).
    case synthetic
}

/// Frames taken from each labelled sequence (sequence datasets only).
public enum FrameSelection: String, SpecChoice {
    /// The last three frames (CK+ and Oulu-CASIA in the paper, section 5).
    case last3
    /// The three middle frames (MMI in the paper).
    case middle3
    /// The peak frame only.
    case last1

    /// Frames taken per sequence.
    public var count: Int { self == .last1 ? 1 : 3 }
}

/// Character image sources.
public enum CharacterKind: String, SpecChoice {
    /// FERG-DB: `<char>/<char>_<expression>/*.png`, neutral included.
    case ferg
    /// The procedural stylised character of the synthetic generator (no files).
    case synthetic
}

/// How subjects are split into test folds.
public enum SplitKind: String, SpecChoice {
    /// Subject-independent: no subject appears in both the training and the test set of a fold.
    case subject
}

/// Which of the paper's tables an experiment's numbers belong to (Tables 1-3), or none.
public enum PaperTable: String, SpecChoice {
    case ckplus, mmi, oulu, none
}
