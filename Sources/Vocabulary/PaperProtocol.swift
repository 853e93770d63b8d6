// The paper's protocol (section 5.1 and section 5), the one place its figures are written down.
// Spec defaults, model defaults and the report's protocol notes all read them from here.

public enum PaperProtocol {
    /// "We trained our HA-GAN framework for 200 epochs" (section 5.1).
    public static let epochs = 200
    /// "a batch size of 130" (section 5.1).
    public static let batchSize = 130
    /// Adam "learning rate of 0.0002 and momentum of 0.5" (section 5.1); beta2 and eps are Adam's
    /// usual values, which the paper does not give.
    public static let learningRate = 0.0002
    public static let beta1 = 0.5
    public static let beta2 = 0.999
    public static let eps = 1e-8
    /// 75x75 crops (section 5.1). The paper gives no image size before cropping: 80x80 is our
    /// choice, leaving room for the four corner crops.
    public static let cropSize = 75
    public static let imageSize = 80
    /// 5 crops x 11 angles x flip (section 5.1).
    public static let augmentationVariants = 110
    /// 10-fold subject-independent cross-validation, two runs (section 5).
    public static let folds = 10
    public static let runs = 2
    /// The six basic expressions.
    public static let classes = 6
}
