#!/usr/bin/env node
// Measures how the paper's "eta = 0.05 over 20 epochs" reads: full-batch GD (20 steps, 2000 steps)
// against mini-batch SGD (batch 1, 16, 64) for 20 epochs, on the quick Figure 3a and 4b grids.
// Writes docs/presets-measured.json; docs/presets.md explains the choice made from it.
import { writeFileSync } from 'node:fs';
import { sweep } from '../dist/sweep/node.js';
import { preset } from '../dist/figures/index.js';

const readings = {
  'GD, 20 steps': { epochs: 20, batchSize: null },
  'GD, 2000 steps': { steps: 2000, epochs: undefined, batchSize: null },
  'SGD batch 1, 20 epochs': { epochs: 20, batchSize: 1 },
  'SGD batch 16, 20 epochs': { epochs: 20, batchSize: 16 },
  'SGD batch 64, 20 epochs': { epochs: 20, batchSize: 64 },
};
const out = { date: new Date().toISOString(), figures: {} };
for (const fig of process.argv.slice(2).length ? process.argv.slice(2) : ['fig3a', 'fig4b']) {
  const p = preset(fig, true);
  out.figures[fig] = { x: p.sweep.x, y: p.sweep.y, readings: {} };
  for (const [name, t] of Object.entries(readings)) {
    const train = { ...p.train, ...t };
    if (t.steps) delete train.epochs;
    const t0 = Date.now();
    const run = await sweep({ data: p.data, train, sweep: p.sweep });
    const grid = {};
    for (const r of run.results) grid[`${r.xi},${r.yi}`] = r.testAcc;
    out.figures[fig].readings[name] = {
      seconds: (Date.now() - t0) / 1000,
      cells: run.results.map((r) => ({ x: r.x, y: r.y, testAcc: r.testAcc, trainAcc: r.trainAcc })),
    };
    console.error(
      `${fig} ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s, mean test acc ${(run.results.reduce((a, r) => a + r.testAcc, 0) / run.results.length).toFixed(3)}`,
    );
  }
}
writeFileSync(new URL('../docs/presets-measured.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
