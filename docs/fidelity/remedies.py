"""hagan_ck48.py (the quick CK+ protocol in PyTorch, ../shared/bench/) extended with a subject-disjoint validation split
and remedies for HA-GAN's epoch-to-epoch swing. A copy of that script; the model,
data, folds, optimiser and training step are unchanged unless a training variant says otherwise.

Per outer fold k (same 10 folds as hagan_ck48.py: subjects shuffled with random.Random(1), fold = i % 10),
VAL_FRAC (default 0.10) of the remaining training subjects, drawn with random.Random(1000 + k), are
held out as validation subjects; the model is trained on the rest. Every epoch, every evaluation mode
is measured on the validation subjects AND on the test fold. Validation is for choosing; test is
logged for the final account only (nothing in this script reads it to make a decision).

Training variants (VARIANT env / --variant):
  T0  paper: as hagan_ck48.py (lambda 10)
  T1  lambda 100
  T2  linear LR decay to zero over the second half of training (per iteration, G and D)
  T3  D's expression head also trained on generated pairs: + CE(D^e(x, G(x).detach()), e)
      inside the halved D objective (0.5 * (BCE_real + CE_real + BCE_fake + CE_fake))
Evaluation modes (all measured in every HA-GAN run):
  E0      eval-mode BN, z = 0 (as hagan_ck48.py)
  E1      BN stats of G and D recomputed on the (un-mirrored, centre-crop) training images
          (deepcopy, reset, momentum=None, train mode, no grad, shuffled batches of 128;
          G with z = 0 first, then D on (x, G_eval(x, z=0))), then eval mode
  E2      EMA of G and D weights (decay 0.999 per iteration, buffers copied), eval mode
  E2+E1   EMA weights with recomputed BN stats
  E2f     (extra) EMA with decay 0.99 per iteration (time constant ~2 epochs), eval mode
  E3      train-mode BN on the evaluated set as one batch (diagnostic of the train/eval gap)
  E4      eval mode, D^e softmax averaged over 10 z ~ N(0,1) draws (fixed generator) instead of z = 0
  To save time E1, E2+E1 and E4 are measured only at epochs 5, 10, 15, 20 and the last 10 epochs
  (null elsewhere); every metric of analyze.py uses only the last 10 epochs. The evaluation code
  uses its own torch.Generator objects, so training is bit-identical whatever is evaluated.
CNN reference (only with --cnn): E0 and E1 (BN recomputed on the training images), same split.

Output: one JSON line per (fold, train variant, model, eval mode) with per-epoch val and test accuracy.
  FERG=/path/ferg44/mira python remedies.py --variant T0 --cnn --out results-T0.jsonl 0 1 2 3 4
"""
import argparse, copy, json, os, random, sys, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image

torch.set_num_threads(1)
ap = argparse.ArgumentParser()
ap.add_argument('folds', type=int, nargs='+')
ap.add_argument('--variant', default='T0', choices=['T0', 'T1', 'T2', 'T3'])
ap.add_argument('--cnn', action='store_true', help='also train the CNN reference')
ap.add_argument('--out', required=True)
ap.add_argument('--epochs', type=int, default=int(os.environ.get('EPOCHS', 30)))
ap.add_argument('--val-frac', type=float, default=0.10)
args = ap.parse_args()

# The CK+48 folder next to the package: docs/fidelity -> docs -> package root -> ../shared/data/CK+48.
CK = os.environ.get('CK48', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'data', 'CK+48'))
FERG = os.environ['FERG']
CLASSES = ['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise']
FERG_NAMES = ['anger', 'disgust', 'fear', 'joy', 'sadness', 'surprise']
EPOCHS, BATCH, CROP = args.epochs, 32, 44
LAMBDA = 100.0 if args.variant == 'T1' else 10.0
LR = 2e-4

def load(p, mode='L'):
    return np.asarray(Image.open(p).convert(mode), dtype=np.float32) / 127.5 - 1

X, Y, S = [], [], []
for ci, c in enumerate(CLASSES):
    for f in sorted(os.listdir(os.path.join(CK, c))):
        X.append(load(os.path.join(CK, c, f))); Y.append(ci); S.append(f.split('_')[0])
X = torch.tensor(np.stack(X))[:, None]; Y = torch.tensor(Y); S = np.array(S)
subjects = sorted(set(S)); rng = random.Random(1); rng.shuffle(subjects)
fold_of = {s: i % 10 for i, s in enumerate(subjects)}
F_ = np.array([fold_of[s] for s in S])
char = [torch.tensor(np.stack([load(os.path.join(FERG, f'mira_{n}', g), 'RGB').transpose(2, 0, 1)
        for g in sorted(os.listdir(os.path.join(FERG, f'mira_{n}')))])) for n in FERG_NAMES]
neutral = torch.tensor(load(os.path.join(FERG, 'mira_neutral', sorted(os.listdir(os.path.join(FERG, 'mira_neutral')))[0]), 'RGB').transpose(2, 0, 1))
o = (48 - CROP) // 2
def center(x): return x[..., o:o + CROP, o:o + CROP]

def init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0, 0.02); nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1, 0.02); nn.init.zeros_(m.bias)

def sizes(s):
    r = [s]
    for _ in range(4): r.append((r[-1] - 2) // 2 + 1)
    return r

class G(nn.Module):
    def __init__(s, cin=1, cout=3, size=CROP, nid=1, z=50):
        super().__init__(); sz = sizes(size); s.s = sz[-1]; e = []; c = cin
        for k in (32, 64, 128, 256): e += [nn.Conv2d(c, k, 4, 2, 1), nn.BatchNorm2d(k), nn.LeakyReLU(0.2)]; c = k
        s.enc = nn.Sequential(*e); s.code = nn.Linear(256 * s.s * s.s, 128); s.fc = nn.Linear(128 + nid + z, 256 * s.s * s.s)
        d = []; c = 256; rev = sz[::-1]
        for i, k in enumerate((128, 64, 32, cout)):
            d.append(nn.ConvTranspose2d(c, k, 4, 2, 1, output_padding=rev[i + 1] - 2 * rev[i]))
            d += [nn.BatchNorm2d(k), nn.ReLU()] if i < 3 else [nn.Tanh()]; c = k
        s.dec = nn.Sequential(*d)
    def forward(s, x, idv, z):
        h = s.fc(torch.cat([s.code(s.enc(x).flatten(1)), idv, z], 1))
        return s.dec(h.view(-1, 256, s.s, s.s))

class Trunk(nn.Module):
    def __init__(s, cin, size=CROP):
        super().__init__(); q = sizes(size)[-1]; L = []
        for i, k in enumerate((16, 32, 64, 128)):
            L.append(nn.Conv2d(cin, k, 4, 2, 1)); L += [nn.BatchNorm2d(k)] if i > 0 else []; L.append(nn.LeakyReLU(0.2)); cin = k
        s.conv = nn.Sequential(*L); s.fc = nn.Sequential(nn.Linear(128 * q * q, 1024), nn.LeakyReLU(0.2))
    def forward(s, x): return s.fc(s.conv(x).flatten(1))

def head(): return nn.Sequential(nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 6))

class D(nn.Module):
    def __init__(s):
        super().__init__(); s.t = Trunk(4); s.rf = nn.Sequential(nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Linear(512, 1)); s.ex = head()
    def forward(s, x, y):
        h = s.t(torch.cat([x, y], 1)); return s.rf(h).squeeze(1), s.ex(h)

def adam(m): return torch.optim.Adam(m.parameters(), lr=LR, betas=(0.5, 0.999))

def train_set(idx):
    x = center(X[idx]); return torch.cat([x, x.flip(-1)]), torch.cat([Y[idx], Y[idx]])

# ---------------------------------------------------------------- evaluation helpers (no global RNG use)
def bns(m): return [b for b in m.modules() if isinstance(b, nn.modules.batchnorm._BatchNorm)]

def fwd_batches(f, n, bs=128):
    outs = []
    for i in range(0, n, bs): outs.append(f(slice(i, i + bs)))
    return torch.cat(outs) if outs and outs[0] is not None else None

def recompute_bn(g, d, xb):
    """E1: deepcopies of g (optional) and d with BN running stats recomputed on xb (shuffled, fixed order)."""
    gen = torch.Generator().manual_seed(12345); xb = xb[torch.randperm(len(xb), generator=gen)]
    g2 = copy.deepcopy(g) if g is not None else None; d2 = copy.deepcopy(d)
    with torch.no_grad():
        if g2 is not None:
            for b in bns(g2): b.reset_running_stats(); b.momentum = None
            g2.train()
            for i in range(0, len(xb), 128):
                x = xb[i:i + 128]; g2(x, torch.ones(len(x), 1), torch.zeros(len(x), 50))
            g2.eval()
        for b in bns(d2): b.reset_running_stats(); b.momentum = None
        d2.train()
        for i in range(0, len(xb), 128):
            x = xb[i:i + 128]
            if g2 is not None: d2(x, g2(x, torch.ones(len(x), 1), torch.zeros(len(x), 50)))
            else: d2(x)
        d2.eval()
    return g2, d2

def hagan_acc(g, d, xs, ys, train_bn=False, zavg=0):
    """accuracy of D^e on (x, G(x, id, z)). train_bn: batch statistics of xs as one batch (on copies)."""
    if train_bn: g, d = copy.deepcopy(g), copy.deepcopy(d); g.train(); d.train()
    else: g.eval(); d.eval()
    n = len(xs); idv = torch.ones(n, 1)
    with torch.no_grad():
        if zavg:
            gen = torch.Generator().manual_seed(777); p = 0
            for _ in range(zavg):
                z = torch.randn(n, 50, generator=gen); p = p + F.softmax(d(xs, g(xs, idv, z))[1], 1)
        else:
            p = d(xs, g(xs, idv, torch.zeros(n, 50)))[1]
    return (p.argmax(1) == ys).float().mean().item()

def cnn_acc(m, xs, ys):
    m.eval()
    with torch.no_grad(): return (m(xs).argmax(1) == ys).float().mean().item()

class EMA:
    def __init__(s, m, decay): s.m = copy.deepcopy(m); s.decay = decay
    @torch.no_grad()
    def update(s, m):
        for pe, p in zip(s.m.parameters(), m.parameters()): pe.mul_(s.decay).add_(p, alpha=1 - s.decay)
        for be, b in zip(s.m.buffers(), m.buffers()): be.copy_(b)

def log(msg): print(f'[{time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr, flush=True)

def emit(rec):
    with open(args.out, 'a') as f: f.write(json.dumps(rec) + '\n')

# ---------------------------------------------------------------- one outer fold
def run_fold(k):
    t0 = time.time()
    te = np.where(F_ == k)[0]
    tr_subj = sorted(set(S[F_ != k]))
    nval = max(1, int(round(args.val_frac * len(tr_subj))))
    val_subj = sorted(random.Random(1000 + k).sample(tr_subj, nval))
    isval = np.isin(S, val_subj)
    tr = np.where((F_ != k) & ~isval)[0]; va = np.where((F_ != k) & isval)[0]
    assert not set(S[tr]) & set(S[va]) and not set(S[tr]) & set(S[te]) and not set(S[va]) & set(S[te])
    xt, yt = train_set(tr); xt0 = center(X[tr])
    sets = {'val': (center(X[va]), Y[va]), 'test': (center(X[te]), Y[te])}
    meta = {'fold': k, 'train': args.variant, 'n_val': len(va), 'n_test': len(te), 'n_train': len(tr),
            'val_subjects': val_subj, 'n_val_subjects': nval, 'n_train_subjects': len(set(S[tr])),
            'n_test_subjects': len(set(S[te])), 'lambda': LAMBDA, 'epochs': EPOCHS}
    log(f'fold {k} variant {args.variant}: train {len(tr)} imgs / {len(set(S[tr]))} subj, '
        f'val {len(va)} / {nval}, test {len(te)} / {len(set(S[te]))}')
    if args.cnn:
        tc = time.time()
        torch.manual_seed(100 + k); cnn = nn.Sequential(Trunk(1), head()); cnn.apply(init); opt = adam(cnn)
        acc = {m: {'val': [], 'test': []} for m in ('E0', 'E1')}
        for ep in range(EPOCHS):
            cnn.train(); perm = torch.randperm(len(xt))
            for i in range(0, len(perm), BATCH):
                b = perm[i:i + BATCH]
                if len(b) < 2: continue
                loss = F.cross_entropy(cnn(xt[b]), yt[b]); opt.zero_grad(); loss.backward(); opt.step()
            _, c1 = recompute_bn(None, cnn, xt0)
            for sn, (xs, ys) in sets.items():
                acc['E0'][sn].append(cnn_acc(cnn, xs, ys)); acc['E1'][sn].append(cnn_acc(c1, xs, ys))
            log(f'fold {k} cnn ep {ep + 1:2d} val E0={acc["E0"]["val"][-1]:.3f} E1={acc["E1"]["val"][-1]:.3f}')
        for m, a in acc.items(): emit({**meta, 'train': 'ref', 'model': 'cnn', 'eval': m, **a, 'sec': time.time() - tc})
        log(f'fold {k} cnn done in {time.time() - tc:.0f}s: val {acc["E0"]["val"][-1]:.3f} test {acc["E0"]["test"][-1]:.3f}')
    th = time.time()
    torch.manual_seed(200 + k); random.seed(300 + k)
    g, d = G(), D(); g.apply(init); d.apply(init); og, od = adam(g), adam(d)
    eg, ed = EMA(g, 0.999), EMA(d, 0.999); fg, fd = EMA(g, 0.99), EMA(d, 0.99)
    modes = ('E0', 'E1', 'E2', 'E2+E1', 'E2f', 'E3', 'E4')
    acc = {m: {'val': [], 'test': []} for m in modes}
    idv1 = torch.ones(1, 1)
    nb = sum(1 for i in range(0, len(xt), BATCH) if len(xt) - i >= 2); total = EPOCHS * nb; it = 0
    for ep in range(EPOCHS):
        g.train(); d.train(); perm = torch.randperm(len(xt))
        for i in range(0, len(perm), BATCH):
            b = perm[i:i + BATCH]
            if len(b) < 2: continue
            if args.variant == 'T2':  # linear decay to zero over the second half (per iteration)
                lr = LR * min(1.0, (total - it) / (total / 2))
                for opt in (og, od):
                    for pg in opt.param_groups: pg['lr'] = lr
            x, e = xt[b], yt[b]; n = len(b)
            yr = torch.stack([char[c][random.randrange(len(char[c]))] for c in e.tolist()])
            yn = neutral.expand(n, -1, -1, -1); idv = idv1.expand(n, 1); z = torch.randn(n, 50)
            fake = g(x, idv, z)
            rfr, exr = d(x, yr); rff, exf = d(x, fake.detach())
            terms = (F.binary_cross_entropy_with_logits(rfr, torch.ones(n)) + F.cross_entropy(exr, e)
                     + F.binary_cross_entropy_with_logits(rff, torch.zeros(n)))
            if args.variant == 'T3': terms = terms + F.cross_entropy(exf, e)
            ld = 0.5 * terms
            od.zero_grad(); ld.backward(); od.step()
            rf, ex = d(x, fake)
            lg = F.binary_cross_entropy_with_logits(rf, torch.ones(n)) + F.cross_entropy(ex, e) + LAMBDA * F.l1_loss(fake, yn)
            og.zero_grad(); lg.backward(); og.step()
            for em, m in ((eg, g), (ed, d), (fg, g), (fd, d)): em.update(m)
            it += 1
        full = ep >= EPOCHS - 10 or (ep + 1) % 5 == 0  # costly modes: last 10 epochs and every 5th
        if full: g1, d1 = recompute_bn(g, d, xt0); eg1, ed1 = recompute_bn(eg.m, ed.m, xt0)
        for sn, (xs, ys) in sets.items():
            acc['E0'][sn].append(hagan_acc(g, d, xs, ys))
            acc['E1'][sn].append(hagan_acc(g1, d1, xs, ys) if full else None)
            acc['E2'][sn].append(hagan_acc(eg.m, ed.m, xs, ys))
            acc['E2+E1'][sn].append(hagan_acc(eg1, ed1, xs, ys) if full else None)
            acc['E2f'][sn].append(hagan_acc(fg.m, fd.m, xs, ys))
            acc['E3'][sn].append(hagan_acc(g, d, xs, ys, train_bn=True))
            acc['E4'][sn].append(hagan_acc(g, d, xs, ys, zavg=10) if full else None)
        fmt = lambda v: '  -  ' if v is None else f'{v:.3f}'
        log(f'fold {k} {args.variant} ep {ep + 1:2d} ({time.time() - th:.0f}s) val ' +
            ' '.join(f'{m}={fmt(acc[m]["val"][-1])}' for m in modes) + ' | test E0=%.3f' % acc['E0']['test'][-1])
    sec = time.time() - th
    for m, a in acc.items(): emit({**meta, 'model': 'hagan', 'eval': m, **a, 'sec': sec})
    log(f'fold {k} {args.variant} hagan done in {sec:.0f}s (fold total {time.time() - t0:.0f}s)')

for k in args.folds: run_fold(k)
