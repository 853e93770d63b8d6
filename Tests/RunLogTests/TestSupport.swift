// Helpers of the run-log tests.

/// The smallest valid spec: synthetic data, one CNN.
let minimalSpec = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "cnn", "kind": "cnn"}]}"#
