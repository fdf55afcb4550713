"""NumPy peer of benignfit's influence scores (eq. 10): the same closed form, the same route rule.

Reads images (u8, n x d, raw bytes) and labels (u8) from files, runs `repeats` times, prints JSON
with the times and the scores' checksum, and writes the scores (f64) next to the input for the
caller to compare. Usage: influence.py IMAGES LABELS N D K REPEATS OUT
"""
import json
import sys
import time

import numpy as np


def scores(x_u8, labels, k):
    out = np.empty(labels.shape[0], dtype=np.float64)
    for c in range(k):
        idx = np.flatnonzero(labels == c)
        x = x_u8[idx].astype(np.float32) / np.float32(255)
        mu = x.mean(axis=0, dtype=np.float64)
        v = x - mu.astype(np.float32)  # centred rows, f32
        n, d = v.shape
        r = np.einsum("ij,ij->i", v, v, dtype=np.float64)
        if n < 2 * d:  # Gram route: q_i = ||X_c v_i||^2 = sum_j G_ij^2
            g = v @ v.T
            q = np.einsum("ij,ij->i", g, g, dtype=np.float64)
        else:  # scatter route: q_i = v_i^T M v_i
            m = v.T @ v
            q = np.einsum("ij,ij->i", v @ m, v, dtype=np.float64)
        f = q.sum()  # ||M||_F^2 = sum_i v_i^T M v_i
        cc = n / (n - 1)
        out[idx] = (2 * cc * q - cc * cc * r * r - f * (2 * n - 3) / (n - 1) ** 2) / (n - 2) ** 2
    return out


def main():
    images, labels, n, d, k, repeats, out = sys.argv[1:8]
    n, d, k, repeats = int(n), int(d), int(k), int(repeats)
    x = np.fromfile(images, dtype=np.uint8).reshape(n, d)
    y = np.fromfile(labels, dtype=np.uint8)
    times = []
    s = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        s = scores(x, y, k)
        times.append(time.perf_counter() - t0)
    s.tofile(out)
    try:
        from threadpoolctl import threadpool_info

        blas = [{k2: i.get(k2) for k2 in ("internal_api", "num_threads", "architecture", "version")} for i in threadpool_info()]
    except Exception:  # threadpoolctl is optional
        blas = None
    print(json.dumps({"times": times, "numpy": np.__version__, "blas": blas}))


if __name__ == "__main__":
    main()
