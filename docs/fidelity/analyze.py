"""Table of stability / accuracy metrics from results-*.jsonl files written by remedies.py.

Per (training variant, model, eval mode), separately on validation (for choosing) and test (account only):
  last    pooled accuracy at the last epoch (sum of correct / sum of images over folds), %
  mean10  mean over the last 10 epochs of the pooled accuracy, %
  spr5    median over folds of (max - min) of the fold's accuracy over the last 5 epochs, points
  chg10   median of |acc(e) - acc(e-1)| over the last 10 epochs (9 changes per fold, pooled over folds), points
  mch10   the mean of those same |changes| (the median is often 0 on ~80-100 images: 1 image = 1.0-1.3 points)
  dM10    per-fold paired difference of mean10 against T0/E0 on the same folds: mean [min..max], points
  usage: python analyze.py [files...]   (default: results-*.jsonl in this folder)
"""
import glob, json, os, sys
import numpy as np

files = sys.argv[1:] or sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results-*.jsonl')))
R = {}
for fn in files:
    for line in open(fn):
        r = json.loads(line); R[(r['train'], r['model'], r['eval'], r['fold'])] = r

def series(key, folds, split):
    return [(np.array(R[key + (f,)][split], dtype=float) * 100, R[key + (f,)]['n_' + split]) for f in folds]

def metrics(key, folds, split):
    ss = series(key, folds, split); n = np.array([w for _, w in ss], float)
    A = np.stack([a[-10:] for a, _ in ss])                       # folds x 10
    pooled = (A * n[:, None]).sum(0) / n.sum()
    spr = np.median([a[-5:].max() - a[-5:].min() for a, _ in ss])
    ch = np.concatenate([np.abs(np.diff(a[-10:])) for a, _ in ss])
    return pooled[-1], pooled.mean(), spr, np.median(ch), A.mean(1), ch.mean()

keys = sorted({k[:3] for k in R}, key=lambda k: ({'ref': 0, 'T0': 1, 'T1': 4, 'T2': 2, 'T3': 3}.get(k[0], 9), k[2]))
print(f"{'variant':14s} {'folds':9s} | {'VAL last':>8s} {'mean10':>6s} {'spr5':>5s} {'chg10':>5s} {'mch10':>5s} {'dM10 vs T0/E0':>19s} "
      f"| {'TEST last':>9s} {'mean10':>6s} {'spr5':>5s} {'chg10':>5s} {'mch10':>5s} {'dM10 vs T0/E0':>19s} | sec/fold")
for key in keys:
    folds = sorted(f for (t, m, e, f) in R if (t, m, e) == key)
    row = f"{key[0] + ' ' + key[1] + ' ' + key[2]:14s} {','.join(map(str, folds)):9s} |"
    for split in ('val', 'test'):
        last, m10, spr, chg, pf, mch = metrics(key, folds, split)
        ref = ('T0', 'hagan', 'E0'); common = [f for f in folds if ref + (f,) in R]
        if common and key != ref:
            _, _, _, _, a, _ = metrics(key, common, split); _, _, _, _, b, _ = metrics(ref, common, split); dd = a - b
            d = f"{dd.mean():+5.1f} [{dd.min():+5.1f}..{dd.max():+5.1f}]"
        else: d = ''
        row += f" {last:8.1f} {m10:6.1f} {spr:5.1f} {chg:5.1f} {mch:5.1f} {d:>19s} |" if split == 'val' else \
               f" {last:9.1f} {m10:6.1f} {spr:5.1f} {chg:5.1f} {mch:5.1f} {d:>19s} |"
    row += f" {np.mean([R[key + (f,)]['sec'] for f in folds]):6.0f}"
    print(row)
nv = {f: (R[k]['n_val_subjects'], R[k]['n_val'], R[k]['n_train_subjects'], R[k]['n_test_subjects'], R[k]['n_test'])
      for k in R for f in [k[3]]}
print('\nper fold: (val subjects, val images, train subjects, test subjects, test images):',
      ' '.join(f'{f}:{v}' for f, v in sorted(nv.items())))
