// The paper's training step in TensorFlow.js (cpu or wasm backend), as a researcher would write
// it: the forward pass on both patches of every sample, softmax cross-entropy, tf.train.sgd with
// automatic gradients. f32, the same inputs as benignfit (typed arrays).
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
    wasm.setWasmPaths(join(dist, 'dist') + '/');
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

/** A model with weights w0 ((K*m) x d); `step(x, yOneHot, b)` does one SGD step on a batch. */
export function tfModel(tf, w0, k, m, d, lr) {
  const w = tf.variable(tf.tensor2d(w0, [k * m, d]));
  const opt = tf.train.sgd(lr);
  return {
    /** x: tensor (2b x d), y: one-hot tensor (b x K). Returns the loss before the update. */
    step(x, y, b) {
      const loss = opt.minimize(() => {
        const z = tf.matMul(x, w, false, true); // (2b, Km)
        const f = tf.div(tf.sum(tf.reshape(tf.relu(z), [b, 2, k, m]), [1, 3]), m);
        return tf.losses.softmaxCrossEntropy(y, f);
      }, true);
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    },
    dispose() {
      w.dispose();
      opt.dispose();
    },
  };
}
