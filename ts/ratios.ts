/**
 * Theorem 1's two ratios of a data model, per class, from its exact description:
 *   SNR_k = |S_k|^2 ||u_k||^4 / max_{j != k} |S_j| ||A_k^T A_j||_F^2
 *   Gamma_{k,j} = |S_k| ||A_k^T A_k||_F^2 / (|S_j| ||A_k^T A_j||_F^2), reported as min over j != k.
 */
import type { ModelDescription } from './types.js';

export function snrAndGamma(m: ModelDescription): { snr: number[]; gammaMin: number[] } {
  const s = m.trainClassSizes;
  const snr = m.frobSq.map((row, k) => {
    let worst = 0;
    row.forEach((f, j) => {
      if (j !== k) worst = Math.max(worst, s[j] * f);
    });
    return (s[k] ** 2 * m.featureNorms[k] ** 4) / worst;
  });
  const gammaMin = m.gammaSized.map((row, k) => Math.min(...row.filter((_, j) => j !== k).map((v) => v!)));
  return { snr, gammaMin };
}
