"""Epoch-to-epoch stability and accuracy per model from an exp run log (docs/fidelity.md).

    python3 docs/fidelity/swings.py results/runs.sqlite [experiment-name] [key ...]

For each model and metric key (default accuracy.validation, then accuracy.test), over the (run,
fold) pairs that every model of the experiment finished: the mean over those folds of the accuracy
at the last epoch (not pooled by image count), the mean over the last 10 epochs, the median over
folds of the spread (max - min) over the last 5 epochs, and the median over folds of the absolute
change from one epoch to the next over the last 10. Reads the run log's `jobs` and `metrics`
tables only, standard library only.
"""
import sqlite3, statistics, sys

path = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else None
keys = sys.argv[3:] or ["accuracy.validation", "accuracy.test"]
db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
exp = db.execute("SELECT id, name FROM experiments WHERE name = ? ORDER BY id DESC LIMIT 1" if name else
                 "SELECT id, name FROM experiments ORDER BY id DESC LIMIT 1", (name,) if name else ()).fetchone()
if exp is None:
    sys.exit(f"{path}: no experiment" + (f" named {name}" if name else ""))
jobs = db.execute("SELECT id, model_name, run, fold, status FROM jobs WHERE experiment_id = ? ORDER BY id", (exp[0],)).fetchall()
models = list(dict.fromkeys(j[1] for j in jobs))
done = {m: {(j[2], j[3]) for j in jobs if j[1] == m and j[4] == "completed"} for m in models}
folds = sorted(set.intersection(*done.values())) if done else []
print(f"experiment {exp[1]}: (run, fold) pairs completed by every model: {folds}")
for key in keys:
    print(f"\n{key}")
    print(f"{'model':28} {'last':>6} {'mean10':>7} {'spread5':>8} {'change10':>9}")
    for m in models:
        curves = []
        for j in jobs:
            if j[1] != m or (j[2], j[3]) not in folds:
                continue
            rows = db.execute("SELECT m.epoch, m.value FROM metrics m WHERE m.job_id = ? AND m.key = ? ORDER BY m.epoch", (j[0], key)).fetchall()
            if rows:
                curves.append([100 * v for _, v in rows])
        if not curves:
            continue
        last = statistics.mean(c[-1] for c in curves)
        mean10 = statistics.mean(statistics.mean(c[-10:]) for c in curves)
        spread5 = statistics.median(max(c[-5:]) - min(c[-5:]) for c in curves)
        change10 = statistics.median(statistics.median(abs(a - b) for a, b in zip(c[-10:], c[-9:])) for c in curves)
        print(f"{m:28} {last:6.2f} {mean10:7.2f} {spread5:8.2f} {change10:9.2f}")
