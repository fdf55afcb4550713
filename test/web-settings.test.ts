/**
 * The web page's settings (ts/web/settings.ts) are plain data and run in Node: the page's presets
 * are exactly the paper's sweep presets, axes expand as the sweep specs do, and a link (the URL
 * hash) carries the settings. The page itself is tested in Chromium (test/browser).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from '../ts/index.node.js';
import { FIGURES, preset } from '../ts/figures/index.js';
import { axisValues as specAxisValues, cells, resolveSweep } from '../ts/sweep/spec.js';
import measured from '../docs/presets-measured.json';
import { calibrate, cellWork, estimate, resetCalibration, roughly, sweepWork } from '../ts/web/estimate.js';
import { fmt } from '../ts/web/util.js';
import { DATA_FIELDS, TRAIN_FIELDS } from '../ts/web/form.js';
import {
  axisValues,
  demoSettings,
  PRESETS,
  presetSettings,
  settingsFromHash,
  settingsHash,
  sweepConfig,
  theoryOptions,
  trainConfig,
  trainingSteps,
} from '../ts/web/settings.js';

describe('web form fields from the schema', () => {
  it("bounds, kinds and choices come from the core's declaration", () => {
    const byPath = Object.fromEntries([...DATA_FIELDS, ...TRAIN_FIELDS].map((f) => [f.path, f]));
    expect(byPath['data.classes']).toMatchObject({ min: 2, max: 1000, step: 1 });
    expect(byPath['data.perClass']).toMatchObject({ min: 1, step: 1 });
    expect(byPath['data.perClass'].kind).toBeUndefined(); // a number input, though the field may be a list
    expect(byPath['data.featureNorm']).toMatchObject({ min: 0, step: 'any' });
    expect(byPath['data.featureNorm'].kind).toBeUndefined();
    expect(byPath['data.noise'].options!.map((o) => o.value)).toEqual(['gaussian', 'uniform', 'rademacher']);
    expect(byPath['train.width']).toMatchObject({ min: 1, max: 1_000_000, step: 1 });
    expect(byPath['data.gamma'].title).toMatch(/noise correlation ratio/);
  });
});

describe('web page settings', () => {
  // Configs are resolved by a loaded core (the page loads one on its main thread).
  beforeAll(async () => {
    await load();
  });

  it.each(
    FIGURES.flatMap(
      (f) =>
        [
          [f, true],
          [f, false],
        ] as const,
    ),
  )('preset %s (quick %s) runs exactly the cells of the paper preset', (fig, quick) => {
    const page = resolveSweep(sweepConfig(presetSettings(`${fig}-${quick ? 'quick' : 'full'}`)));
    const paper = resolveSweep(preset(fig, quick));
    const a = cells(page);
    const b = cells(paper);
    expect(a.length).toBe(b.length);
    a.forEach((c, i) => {
      expect(c.x).toBeCloseTo(b[i].x as number, 10);
      expect(c.y).toBeCloseTo(b[i].y as number, 10);
      expect(c.seed).toBe(b[i].seed);
      // The page records training curves (evalEvery); everything else is the paper's.
      expect({ ...c.train, evalEvery: 0 }).toEqual({ ...b[i].train, evalEvery: 0 });
      expect({ ...c.data, featureNorm: 0, gamma: 0, perClass: 0 }).toEqual({ ...b[i].data, featureNorm: 0, gamma: 0, perClass: 0 });
    });
    expect(PRESETS.some((p) => p.id === `${fig}-${quick ? 'quick' : 'full'}`)).toBe(true);
  });

  it('axes: log and linear ranges as the sweep specs, integers for class sizes and widths, three noise laws', () => {
    const base = { values: '', scale: 'log' as const };
    expect(axisValues({ param: 'data.gamma', from: 1, to: 1400, count: 8, ...base })).toEqual(specAxisValues({ from: 1, to: 1400, count: 8, scale: 'log' }));
    expect(axisValues({ param: 'data.featureNorm', from: 0.5, to: 2, count: 4, values: '', scale: 'linear' })).toEqual([0.5, 1, 1.5, 2]);
    // Rounded and deduplicated: 10, 10.5, 11, ... -> integers.
    expect(axisValues({ param: 'data.perClass', from: 10, to: 12, count: 5, values: '', scale: 'linear' })).toEqual([10, 11, 12]);
    expect(axisValues({ param: 'train.width', from: 1, to: 1, count: 1, values: '3, 5.4;8', scale: 'linear' })).toEqual([3, 5, 8]);
    expect(axisValues({ param: 'data.noise', from: 0, to: 0, count: 1, values: '', scale: 'linear' })).toEqual(['gaussian', 'uniform', 'rademacher']);
    expect(() => axisValues({ param: 'data.gamma', from: 0, to: 10, count: 3, ...base })).toThrow(/from > 0/);
    expect(() => axisValues({ param: 'data.gamma', from: 1, to: 10, count: 3, values: '1, x', scale: 'log' })).toThrow(/"x" is not a number/);
  });

  it('training: SGD epochs or GD steps; curve points set evalEvery; theory options follow', () => {
    const s = demoSettings();
    expect(trainingSteps(s)).toBe(s.train.epochs * s.data.classes * s.data.perClass);
    expect(trainConfig(s).evalEvery).toBe(Math.ceil(trainingSteps(s) / s.curvePoints));
    s.train.optimizer = 'gd';
    s.train.steps = 300;
    s.curvePoints = 0;
    expect(trainConfig(s)).toMatchObject({ steps: 300, evalEvery: 0, init: 'pytorch' });
    expect(trainConfig(s).epochs).toBeUndefined();
    s.train.sigma0 = 0.01;
    expect(theoryOptions(s)).toMatchObject({ width: s.train.width, lr: s.train.lr, init: { sigma0: 0.01 }, steps: 300, ls: [0.5, 1, 2, 4] });
    s.theory.ls = '1, -2';
    expect(() => theoryOptions(s)).toThrow(/L values/);
  });

  it('the URL hash carries the settings (a link reproduces the page)', () => {
    const s = presetSettings('fig4b-quick');
    s.y = null;
    s.data.dim = 123;
    expect(settingsFromHash(`#phase&${settingsHash(s)}`)).toEqual(s);
    expect(settingsFromHash('#theory')).toBeNull();
    expect(settingsFromHash('#s=%7Bbroken')).toBeNull();
    // Fields missing from an older link take the defaults.
    expect(settingsFromHash(`#s=${encodeURIComponent(JSON.stringify({ data: { dim: 77 } }))}`)!.data).toEqual({ ...demoSettings().data, dim: 77 });
  });

  it('time estimates: cells x a measured rate, scaled by the work of each cell; calibrated by a run', () => {
    resetCalibration();
    const quick = presetSettings('fig3a-quick');
    const full = presetSettings('fig3a-full');
    // The paper's cell: 20 epochs of batch-1 SGD over 500 examples, K m d = 5 x 100 x 1000.
    expect(cellWork(quick)).toBe(20 * 500 * 5 * 100 * 1000);
    expect(sweepWork(full).cells).toBe(12 * 12 * 3);
    // An axis over |S_k| changes the work cell by cell (Figure 4a: 10 to 200 examples a class).
    const f4a = presetSettings('fig4a-quick');
    expect(sweepWork(f4a).work).toBe(8 * [10, 50, 100, 150, 200].reduce((a, n) => a + cellWork({ ...f4a, data: { ...f4a.data, perClass: n } }), 0));
    // From docs/presets-measured.json's batch-1 reading (two workers at 78% each).
    const r = (measured as { figures: Record<string, { readings: Record<string, { seconds: number; cells: unknown[] }> }> }).figures;
    const reading = Object.values(r).map((f) => f.readings['SGD batch 1, 20 epochs']);
    const perCell = (reading.reduce((a, x) => a + x.seconds, 0) * 2 * 0.78) / reading.reduce((a, x) => a + x.cells.length, 0);
    const e = estimate(quick, 2);
    expect(e.cells).toBe(64);
    expect(e.seconds).toBeCloseTo((64 * (0.06 + perCell)) / (2 * 0.78), 6);
    expect(e.source).toBe('from docs/presets-measured.json');
    expect(estimate(full, 2).seconds / e.seconds).toBeCloseTo(432 / 64, 6);
    expect(estimate(quick, 1).seconds).toBeCloseTo(e.seconds * 2 * 0.78, 6);
    // A run measured at 2 s a cell: the next estimate follows this browser.
    calibrate(quick, new Array(64).fill(2));
    expect(estimate(quick, 1).seconds).toBeCloseTo(128, 6);
    expect(estimate(quick, 1).source).toBe('measured in this browser by the last run');
    resetCalibration();
    expect(roughly(4)).toBe('a few seconds');
    expect(roughly(42)).toBe('about 40 s');
    expect(roughly(300)).toBe('about 5 min');
    expect(roughly(7200)).toBe('about 2.0 h');
  });

  it('numbers for tables: 4 significant digits, short exponents', () => {
    expect(fmt(4.34e-9)).toBe('4.34e-9');
    expect(fmt(-1.2345e-7)).toBe('-1.235e-7');
    expect(fmt(123456)).toBe('1.235e5');
    expect(fmt(3e6)).toBe('3e6');
    expect(fmt(0.5)).toBe('0.5');
    expect(fmt(null)).toBe('∞');
  });
});
