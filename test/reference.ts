/**
 * A plain reference of eqs. 1-4 in f64, written from the paper with no benignfit code:
 * F_k(W, x) = (1/m) sum_r sum_j relu(<w_{k,r}, x^(j)>), softmax cross-entropy, and
 * W <- W - (eta/n) sum_i grad_i.
 */
export function refForward(w: ArrayLike<number>, k: number, m: number, d: number, x: ArrayLike<number>, i: number): number[] {
  const f = new Array(k).fill(0);
  for (let kr = 0; kr < k * m; kr++) {
    for (let j = 0; j < 2; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += w[kr * d + t] * x[i * 2 * d + j * d + t];
      f[Math.floor(kr / m)] += Math.max(s, 0) / m;
    }
  }
  return f;
}

export function refLossGrad(
  w: Float64Array,
  k: number,
  m: number,
  d: number,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): { loss: number; grad: Float64Array } {
  const n = y.length;
  const grad = new Float64Array(w.length);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const f = refForward(w, k, m, d, x, i);
    const mx = Math.max(...f);
    const se = f.reduce((a, v) => a + Math.exp(v - mx), 0);
    loss += mx + Math.log(se) - f[y[i]];
    for (let kr = 0; kr < k * m; kr++) {
      const c = Math.floor(kr / m);
      const coef = (Math.exp(f[c] - mx) / se - (c === y[i] ? 1 : 0)) / m;
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += w[kr * d + t] * x[i * 2 * d + j * d + t];
        if (s > 0) for (let t = 0; t < d; t++) grad[kr * d + t] += coef * x[i * 2 * d + j * d + t];
      }
    }
  }
  for (let j = 0; j < grad.length; j++) grad[j] /= n;
  return { loss: loss / n, grad };
}

/** Replay T steps of eq. 4 from W0; returns the weights and the loss before each step. */
export function refGD(
  w0: ArrayLike<number>,
  k: number,
  m: number,
  d: number,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  lr: number,
  steps: number,
): { w: Float64Array; losses: number[] } {
  const w = Float64Array.from(w0 as ArrayLike<number>);
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const { loss, grad } = refLossGrad(w, k, m, d, x, y);
    losses.push(loss);
    for (let j = 0; j < w.length; j++) w[j] -= lr * grad[j];
  }
  return { w, losses };
}

export function refAccuracy(w: ArrayLike<number>, k: number, m: number, d: number, x: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    const f = refForward(w, k, m, d, x, i);
    if (f.every((v, c) => c === y[i] || v < f[y[i]])) ok++;
  }
  return ok / y.length;
}
