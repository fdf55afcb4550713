// The paper's training step in TensorFlow.js (cpu or wasm backend), as a researcher would write
// it with tfjs-core: the forward pass on both patches of every sample, softmax cross-entropy, and
// the gradient of eq. 4 written out in tf ops, exactly as the NumPy peer (tfjs-core registers no
// gradients without the @tensorflow/tfjs umbrella package; the ops, and so the FLOPs, are those
// autograd would run: one GEMM forward, one GEMM for dW). f32, the same inputs as benignfit.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Load @tensorflow/tfjs-core with the named backend ('cpu' | 'wasm') ready. */
export async function loadTf(backend) {
  const tf = await import('@tensorflow/tfjs-core');
  if (backend === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries ship in the npm package: point the backend at them (no download).
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(`${join(dist, 'dist')}/`);
  }
  await tf.setBackend(backend);
  await tf.ready();
  let threads = 1;
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    threads = wasm.getThreadsCount?.() ?? 1;
  }
  return { tf, threads, version: tf.version_core };
}

/**
 * A model with weights w0 ((K*m) x d, row k*m + r = w_{k,r}); `step(x, yOneHot, b)` does one SGD
 * step on a batch. The weights live as tf.layers.dense keeps its kernel, [d, K*m], so the forward
 * pass is x @ kernel and the gradient x^T @ C.
 */
export function tfModel(tf, w0, k, m, d, lr) {
  const w = tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(w0, [k * m, d]))));
  return {
    /** x: tensor (2b x d), y: one-hot tensor (b x K). Returns the loss before the update. */
    step(x, y, b) {
      const loss = tf.tidy(() => {
        const z = tf.matMul(x, w); // (2b, Km)
        const f = tf.div(tf.sum(tf.reshape(tf.relu(z), [b, 2, k, m]), [1, 3]), m); // (b, K)
        const l = tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(f)), 1)));
        const g = tf.div(tf.sub(tf.softmax(f), y), b * m); // (p_k - 1[k = y]) / (b m)
        const c = tf.mul(tf.reshape(tf.cast(tf.greater(z, 0), 'float32'), [b, 2, k, m]), tf.reshape(g, [b, 1, k, 1]));
        const grad = tf.matMul(x, tf.reshape(c, [2 * b, k * m]), true, false); // (d, Km)
        w.assign(tf.sub(w, tf.mul(grad, lr)));
        return l;
      });
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    },
    dispose() {
      w.dispose();
    },
  };
}
