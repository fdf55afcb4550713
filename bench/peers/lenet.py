"""PyTorch peer of benignfit's LeNet-5 (crates/core/src/cnn): the same architecture, initialisation
(PyTorch's defaults), normalisation, optimiser (SGD, momentum, weight decay) and batch size, on the
CPU with a given number of threads.

    python bench/peers/lenet.py MNIST_DIR --threads 2 --batches 50 --samples 5
        times `batches` mini-batches `samples` times (after one warm-up) and prints JSON:
        {"msPerRun": [...], "batches": ..., "threads": ..., "torch": ...}
    python bench/peers/lenet.py MNIST_DIR --threads 2 --epochs 1
        trains whole epochs and prints test accuracy and seconds per epoch.
"""

import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


class LeNet5(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mnist_dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = read_idx(os.path.join(a.mnist_dir, "train-images-idx3-ubyte")).astype(np.float32) / 255.0
    y = read_idx(os.path.join(a.mnist_dir, "train-labels-idx1-ubyte")).astype(np.int64)
    # benignfit's normalize "train": the training set's mean and standard deviation.
    mean, std = float(x.mean()), float(x.std())
    xt = torch.from_numpy((x - mean) / std).unsqueeze(1)
    yt = torch.from_numpy(y)
    model = LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    n = len(yt)
    gen = torch.Generator().manual_seed(a.seed)

    def run(batches, start):
        perm = torch.randperm(n, generator=gen)
        for b in range(batches):
            i = (start + b) % ((n + a.batch_size - 1) // a.batch_size)
            idx = perm[i * a.batch_size : (i + 1) * a.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        return float(loss.detach())

    info = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batchSize": a.batch_size}
    if a.epochs > 0:
        xs = read_idx(os.path.join(a.mnist_dir, "t10k-images-idx3-ubyte")).astype(np.float32) / 255.0
        ys = torch.from_numpy(read_idx(os.path.join(a.mnist_dir, "t10k-labels-idx1-ubyte")).astype(np.int64))
        xs = torch.from_numpy((xs - mean) / std).unsqueeze(1)
        bpe = (n + a.batch_size - 1) // a.batch_size
        epochs = []
        for e in range(a.epochs):
            t0 = time.perf_counter()
            run(bpe, 0)
            sec = time.perf_counter() - t0
            with torch.no_grad():
                acc = float((model(xs).argmax(1) == ys).float().mean())
            epochs.append({"epoch": e, "seconds": sec, "testAcc": acc})
        print(json.dumps({**info, "epochs": epochs}))
        return
    run(5, 0)  # warm-up
    times = []
    for s in range(a.samples):
        t0 = time.perf_counter()
        run(a.batches, s * a.batches)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({**info, "batches": a.batches, "msPerRun": times}))


if __name__ == "__main__":
    main()
