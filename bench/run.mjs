#!/usr/bin/env node
// `npm run bench`: every benchmark row, on native and wasm (and peers where a row has them),
// measured in one run with tinybench. Prints a table and writes bench/results/latest.json.
// `node bench/run.mjs [group...]` runs only the named groups.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { load } from '../dist/index.node.js';
import { SHAPES } from './shapes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const rows = [];

function fmtMs(ms) {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

async function generateGroup(backends) {
  for (const shapeName of ['paper', 'large']) {
    const s = SHAPES[shapeName];
    const bench = new Bench({ time: 1000, iterations: 5 });
    for (const [name, bf] of backends) {
      const cfg = { classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass, gamma: 10, seed: 1 };
      bench.add(`generate ${shapeName} ${name}`, () => {
        bf.generate(cfg);
      });
    }
    await bench.run();
    for (const t of bench.tasks) {
      const r = t.result;
      rows.push({ group: 'generate', shape: shapeName, task: t.name, backend: t.name.split(' ').pop(), meanMs: r.latency.mean, p99Ms: r.latency.p99, samples: r.latency.samples?.length ?? r.latency.samplesCount });
    }
  }
}

const GROUPS = { generate: generateGroup };

const backends = [];
for (const name of ['native', 'wasm']) {
  try {
    backends.push([name, await load({ backend: name })]);
  } catch (e) {
    console.error(`skipping ${name}: ${e.message}`);
  }
}
for (const [g, fn] of Object.entries(GROUPS)) {
  if (only.length && !only.includes(g)) continue;
  await fn(backends);
}
const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
console.log(['group', 'shape', 'backend', 'mean ms', 'p99 ms'].join('\t'));
for (const r of rows) console.log([r.group, r.shape, r.backend, fmtMs(r.meanMs), fmtMs(r.p99Ms)].join('\t'));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2) + '\n');
