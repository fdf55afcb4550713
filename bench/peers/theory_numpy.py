"""NumPy peers of the theory benchmarks (run by bench/run.mjs in the same session).

usage: python theory_numpy.py spectra DIR K D      # SVDs, Gram Frobenius products, operator norms
       python theory_numpy.py longtailed DIR K M D  # Definition 1 on a test set, with H_y = W_y A_y A_y^T W_y^T

Reads the .npy inputs run.mjs wrote to DIR, times the computation (perf_counter, warm-up once,
then repeats for about a second, at least 5 times) and prints {"meanMs", "p99Ms", "samples"} as JSON.
"""
import json
import sys
import time

import numpy as np


def timed(fn, min_time=1.0, min_iter=5):
    fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < min_iter or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"meanMs": float(np.mean(samples)), "p99Ms": float(samples[min(len(samples) - 1, int(0.99 * len(samples)))]), "samples": len(samples)}


def spectra(d_dir, k, d):
    a = np.load(f"{d_dir}/noise_factors.npy").astype(np.float64).reshape(k, d, d)

    def run():
        out = {}
        sv = [np.linalg.svd(a[c], compute_uv=False) for c in range(k)]
        grams = [a[c] @ a[c].T for c in range(k)]
        out["frob"] = [[float(np.vdot(grams[x], grams[y])) for y in range(k)] for x in range(k)]
        out["op"] = [[float(np.linalg.norm(a[x].T @ a[y], 2)) for y in range(x)] for x in range(k)]
        out["rank"] = [int((s > s[0] * d * np.finfo(np.float32).eps).sum()) for s in sv]
        return out

    return timed(run)


def longtailed(d_dir, k, m, d):
    w = np.load(f"{d_dir}/weights.npy").astype(np.float64)
    a = np.load(f"{d_dir}/noise_factors.npy").astype(np.float64).reshape(k, d, d)
    x = np.load(f"{d_dir}/test_x.npy").astype(np.float64)
    y = np.load(f"{d_dir}/test_y.npy")
    pos = np.load(f"{d_dir}/test_pos.npy")
    ls = np.array([0.5, 1.0, 2.0, 4.0])

    def run():
        hs = []
        for c in range(k):
            b = w[c * m:(c + 1) * m] @ a[c]
            hs.append(b @ b.T)
        acts = x.reshape(-1, d) @ w.T  # (2n) x (K m)
        n = len(y)
        acts = acts.reshape(n, 2, k * m)
        f = np.maximum(acts, 0).reshape(n, 2, k, m).sum(axis=(1, 3)) / m
        ok = f.argmax(axis=1) == y
        noise = acts[np.arange(n), 1 - pos]  # n x (K m)
        counts = np.zeros(len(ls), int)
        correct = np.zeros(len(ls), int)
        for i in range(n):
            c = y[i]
            s = noise[i, c * m:(c + 1) * m]
            r = s > 0
            if not r.any():
                continue
            inner = s[r].sum()
            norm = np.sqrt(max(hs[c][np.ix_(r, r)].sum(), 0.0))
            sel = inner >= ls * norm
            counts += sel
            correct += sel & ok[i]
        return counts, correct

    return timed(run)


if __name__ == "__main__":
    what, d_dir = sys.argv[1], sys.argv[2]
    nums = [int(v) for v in sys.argv[3:]]
    res = spectra(d_dir, *nums) if what == "spectra" else longtailed(d_dir, *nums)
    print(json.dumps(res))
