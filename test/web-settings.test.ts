/**
 * The web page's settings (ts/web/settings.ts) are plain data and run in Node: the page's presets
 * are exactly the paper's sweep presets, axes expand as the sweep specs do, and a link (the URL
 * hash) carries the settings. The page itself is tested in Chromium (test/browser).
 */
import { describe, expect, it } from 'vitest';
import { FIGURES, preset } from '../ts/sweep/presets.js';
import { axisValues as specAxisValues, cells, resolveSweep } from '../ts/sweep/spec.js';
import { axisValues, demoSettings, PRESETS, presetSettings, settingsFromHash, settingsHash, sweepConfig, theoryOptions, trainConfig, trainingSteps } from '../ts/web/settings.js';

describe('web page settings', () => {
  it.each(FIGURES.flatMap((f) => [[f, true], [f, false]] as const))('preset %s (quick %s) runs exactly the cells of the paper preset', (fig, quick) => {
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
});
