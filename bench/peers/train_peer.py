"""The paper's training step as a researcher would write it, in NumPy or PyTorch (CPU), f32.

Same model (eq. 1), loss (eqs. 2-3) and update (eq. 4) as benignfit, on the same inputs (the .npy
files `npm run bench` writes): the forward pass on both patches of every sample, the softmax
cross-entropy gradient, the update. NumPy needs the gradient by hand; PyTorch uses autograd and
torch.optim.SGD, as a researcher would.

    python train_peer.py --framework numpy|torch --task full|sgd|train --data DIR --shape paper
        [--threads N] [--time SECONDS] [--epochs E]

Prints one JSON line: per-call latencies (ms), FLOPs per call, the loss trajectory (to check the
step is the same as benignfit's), versions, threads, and this process's peak memory.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np


def load(data, shape):
    meta = json.load(open(os.path.join(data, f"{shape}.json")))
    get = lambda n: np.load(os.path.join(data, f"{shape}_{n}.npy"))
    return meta, get("train_x"), get("train_y"), get("w0"), get("order")


class NumpyModel:
    name = "numpy"

    def __init__(self, w0, k, m, lr):
        self.w = w0.astype(np.float32).copy()
        self.k, self.m, self.lr = k, m, np.float32(lr)

    def step(self, x, y):
        """One GD step on the batch x (b x 2 x d), labels y; returns the loss before the update."""
        b, _, d = x.shape
        k, m = self.k, self.m
        x2 = x.reshape(2 * b, d)
        z = x2 @ self.w.T  # (2b, Km)
        f = np.maximum(z, 0).reshape(b, 2, k, m).sum(axis=(1, 3)) / np.float32(m)  # (b, K)
        f = f - f.max(axis=1, keepdims=True)
        e = np.exp(f)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(b), y]).mean()
        p[np.arange(b), y] -= 1
        g = p / np.float32(b * m)  # (b, K): (p_k - 1[k = y]) / (n m)
        c = (z > 0).reshape(b, 2, k, m) * g[:, None, :, None]
        self.w -= self.lr * (c.reshape(2 * b, k * m).T @ x2)
        return float(loss)


class TorchModel:
    name = "torch"

    def __init__(self, w0, k, m, lr):
        import torch

        self.torch = torch
        self.w = torch.tensor(w0, dtype=torch.float32, requires_grad=True)
        self.opt = torch.optim.SGD([self.w], lr=lr)
        self.k, self.m = k, m

    def step(self, x, y):
        torch = self.torch
        b = x.shape[0]
        z = x @ self.w.T  # (b, 2, Km)
        f = torch.relu(z).reshape(b, 2, self.k, self.m).sum(dim=(1, 3)) / self.m
        loss = torch.nn.functional.cross_entropy(f, y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return float(loss.detach())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--framework", choices=["numpy", "torch"], required=True)
    ap.add_argument("--task", choices=["full", "sgd", "train"], required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--shape", default="paper")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--time", type=float, default=1.5)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.05)
    a = ap.parse_args()

    meta, x, y, w0, order = load(a.data, a.shape)
    k, m, n, d = meta["classes"], meta["width"], meta["n"], meta["dim"]
    x = x.reshape(n, 2, d).astype(np.float32)
    y = y.astype(np.int64)
    threads = a.threads or os.cpu_count()
    versions = {"numpy": np.__version__}
    if a.framework == "torch":
        import torch

        torch.set_num_threads(threads)
        versions["torch"] = torch.__version__
        model = TorchModel(w0, k, m, a.lr)
        xs, ys = torch.from_numpy(x), torch.from_numpy(y)
        batch = lambda idx: (xs[idx], ys[idx])
        blas = "MKL" if torch.backends.mkl.is_available() else "?"
    else:
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(threads)
        except ImportError:
            pass
        model = NumpyModel(w0, k, m, a.lr)
        batch = lambda idx: (x[idx], y[idx])
        try:
            cfg = np.show_config(mode="dicts")
            blas = cfg["Build Dependencies"]["blas"]["name"]
        except Exception:
            blas = "?"

    km = k * m
    out = {"framework": a.framework, "task": a.task, "threads": threads, "versions": versions, "blas": blas, "python": sys.version.split()[0]}
    if a.task == "full":
        allidx = np.arange(n)
        xb, yb = batch(allidx)
        losses = [model.step(xb, yb) for _ in range(3)]  # the check, and warm-up
        samples = []
        t_end = time.perf_counter() + a.time
        while len(samples) < 5 or time.perf_counter() < t_end:
            t0 = time.perf_counter()
            model.step(xb, yb)
            samples.append((time.perf_counter() - t0) * 1e3)
        out.update(samples_ms=samples, flops=4.0 * 2 * n * d * km, losses=losses)
    elif a.task == "sgd":
        # Batch-1 steps in benignfit's sample order; time blocks of steps (one step is short).
        losses = [model.step(*batch(np.array([order[s]]))) for s in range(n)]  # first epoch: check + warm-up
        samples, s = [], n
        t_end = time.perf_counter() + a.time
        block = 50
        while len(samples) < 5 or time.perf_counter() < t_end:
            t0 = time.perf_counter()
            for _ in range(block):
                model.step(*batch(np.array([order[s % len(order)]])))
                s += 1
            samples.append((time.perf_counter() - t0) * 1e3 / block)
        out.update(samples_ms=samples, flops=4.0 * 2 * d * km, losses=losses[:5], epoch_loss=float(np.mean(losses)))
    else:
        # `epochs` epochs of batch-1 SGD (the paper preset runs 20; the caller extrapolates).
        t0 = time.perf_counter()
        losses = []
        for s in range(a.epochs * n):
            losses.append(model.step(*batch(np.array([order[s]]))))
        secs = time.perf_counter() - t0
        out.update(samples_ms=[secs * 1e3], epochs=a.epochs, steps=a.epochs * n, flops=4.0 * 2 * d * km * a.epochs * n, losses=losses[:5], last_epoch_loss=float(np.mean(losses[-n:])))
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
