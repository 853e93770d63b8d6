// TuningNote: the spec's `tuning` section, written by `exp tune --write-spec`. It says, per
// model, how its settings were chosen: by which tune, on validation subjects only, with how many
// trials and epochs, over which space. Informational (nothing computes with it), but part of the
// spec and so of the experiment's identity; reports state it and compare the models' budgets.

public struct TuningNote: Codable, Equatable, Sendable {
    /// The model (its name in this spec) whose settings were chosen.
    public var model: String
    /// The tune's hash (12 hex digits; `tunes.tune_hash` in the run log that holds it).
    public var tune: String
    /// The spec that was tuned (its name), whose validation subjects scored the trials.
    public var tunedSpec: String
    /// Trials of this model.
    public var trials: Int
    /// Epochs its trials trained, over all trials and tuning folds: the budget spent.
    public var epochs: Int
    /// The rungs (epochs at which trials were scored and halved).
    public var rungs: [Int]
    /// The `--space` options as typed.
    public var space: [String]
    /// The chosen trial's values (`key=value`).
    public var chosen: [String]
    /// The chosen trial's validation score (percent) at its highest rung.
    public var score: Double
    /// What the score is, in words.
    public var scoredOn: String

    public init(model: String, tune: String, tunedSpec: String, trials: Int, epochs: Int, rungs: [Int], space: [String],
                chosen: [String], score: Double, scoredOn: String) {
        self.model = model
        self.tune = tune
        self.tunedSpec = tunedSpec
        self.trials = trials
        self.epochs = epochs
        self.rungs = rungs
        self.space = space
        self.chosen = chosen
        self.score = score
        self.scoredOn = scoredOn
    }
}
