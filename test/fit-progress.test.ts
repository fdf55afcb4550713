/**
 * The fit of c1, c2 as the core's FitJob (a unit is one bootstrap resample): bf.fitConstantsAsync
 * gives the bits bf.fitConstants gives, with progress and an AbortSignal; `benignfit fit-constants`
 * writes that report, a long fit says how long it will take, and SIGINT / SIGTERM end it between
 * chunks with 130 / 143, writing nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, backend } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'benignfit-fit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 60 cells of a 3-class sweep: 30 for c1 (Gamma 1, SNR rising), 30 for c2 (SNR tiny, Gamma rising). */
function rows(): Record<string, unknown>[] {
  const K = 3;
  const gamma = (g: number) => Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, j) => (a === j ? null : g)));
  const out: Record<string, unknown>[] = [];
  for (let i = 1; i <= 30; i++) {
    out.push({ cell: i, snr: Array(K).fill(i / 5), gamma: gamma(1), testAccPerClass: Array(K).fill(1 - 2 * Math.exp((-0.8 * i) / 5)), testPerClass: 1000 });
    out.push({
      cell: 100 + i,
      snr: Array(K).fill(0.01),
      gamma: gamma(2 + i / 5),
      longTailed: [{ L: 1, count: 1000, acc: 1 - 2 * Math.exp(-0.4 * (2 + i / 5)) }],
    });
  }
  return out;
}

const resultsFile = join(tmp, 'results.jsonl');
writeFileSync(
  resultsFile,
  `${rows()
    .map((r) => JSON.stringify(r))
    .join('\n')}\n`,
);

/** The written document without the fields that name the run (file, backend, version). */
function report(file: string): Record<string, unknown> {
  const { results: _r, backend: _b, version: _v, ...rest } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return rest;
}

describe.each(BACKENDS)('fit-constants on %s', (name) => {
  it('fitConstantsAsync gives the bits of fitConstants, reports resamples and stops on an AbortSignal', async () => {
    const bf = await backend(name);
    const want = bf.fitConstants(rows() as never, { bootstrap: 300, seed: 7 });
    const seen: [number, number][] = [];
    const got = await bf.fitConstantsAsync(rows() as never, { bootstrap: 300, seed: 7, onProgress: (p) => seen.push([p.done, p.total]) });
    expect(got).toEqual(want);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual([600, 600]);
    expect(seen.every(([d], i) => i === 0 || d > seen[i - 1][0])).toBe(true);
    // Aborted after the first chunk (one resample: ts/job.ts starts with a budget of 1).
    const ac = new AbortController();
    const calls: number[] = [];
    const stopped = bf.fitConstantsAsync(rows() as never, {
      bootstrap: 100000,
      signal: ac.signal,
      onProgress: (q) => {
        calls.push(q.done);
        ac.abort();
      },
    });
    await expect(stopped).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(calls).toEqual([1]);
  });

  it('writes the report bf.fitConstants gives', async () => {
    const bf = await backend(name);
    // JSON round trip: the file holds JSON (a NaN would be null in both).
    const expected = JSON.parse(JSON.stringify(bf.fitConstants(rows() as never, { bootstrap: 1000, seed: 7 })));
    expect(expected.c1.ci).toHaveLength(2);
    const out = join(tmp, `fit-${name}.json`);
    const r = spawnSync(
      process.execPath,
      [cli, 'fit-constants', '--results', resultsFile, '--out', out, '--bootstrap', '1000', '--seed', '7', '--backend', name],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(report(out)).toEqual(expected);
  });

  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`a long bootstrap says how long it will take, and ${sig} ends it at once with ${code}, writing nothing`, async () => {
      const out = join(tmp, `long-${name}-${sig}.json`);
      const child = spawn(process.execPath, [cli, 'fit-constants', '--results', resultsFile, '--out', out, '--bootstrap', '1000000', '--backend', name], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      const exited = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
      await new Promise<void>((res, rej) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          if (/Ctrl-C stops/.test(stderr)) res();
        });
        child.on('close', () => rej(new Error(`exited before the estimate: ${stderr}`)));
      });
      expect(stderr).toMatch(/1000000 bootstrap resamples of each fit: about [\d.]+ (s|min|h) \(timed on \d+\)/);
      child.kill(sig);
      expect(await exited).toBe(code);
      expect(stderr).toMatch(/\[E_ABORTED\]: fit-constants was cancelled/);
      expect(existsSync(out)).toBe(false);
    });
  }
});
