import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-wasm';
import { describe, expect, it } from 'vitest';
import { ensureRasterizer, plot } from '../ts/index.node.js';
import type { CellResult } from '../ts/sweep/cell.js';
import { sweepFigure } from '../ts/sweep/figure.js';
import { preset } from '../ts/figures/index.js';
import { resolveSweep } from '../ts/sweep/spec.js';
import type { EvalRecord } from '../ts/types.js';
import { backend } from './helpers.js';

const { heatmapSvg, imageGridSvg, logTicks, linearTicks, pngSize, svgToPng, encodePng, cellEdges } = plot;

/** Parses (resvg refuses malformed SVG) and gives the size in pixels. */
function parses(svg: string): { width: number; height: number } {
  const r = new Resvg(svg);
  try {
    return { width: r.width, height: r.height };
  } finally {
    r.free();
  }
}

/** The SVG's elements (tag and attributes) in document order, and its texts. */
function elements(svg: string): { tag: string; attrs: Record<string, string>; index: number }[] {
  const out: { tag: string; attrs: Record<string, string>; index: number }[] = [];
  for (const m of svg.matchAll(/<([a-z]+)\b([^>]*?)\/?>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[2].matchAll(/([a-zA-Z0-9:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push({ tag: m[1], attrs, index: m.index! });
  }
  return out;
}

const cls = (e: { attrs: Record<string, string> }, c: string) => (e.attrs.class ?? '').split(' ').includes(c);
const style = (e: { attrs: Record<string, string> }) => ({
  stroke: e.attrs.stroke,
  dash: e.attrs['stroke-dasharray'] ?? null,
  width: e.attrs['stroke-width'],
  opacity: e.attrs['stroke-opacity'] ?? null,
});

/**
 * Every legend entry of a figure is drawn exactly as what it names: each swatch has the stroke,
 * width and dash of the drawn element with the same data-label (the halo too, where there is one),
 * and the legend lies below the data area (outside the plot frame).
 */
function legendMatches(svg: string, drawn: string, swatch: string, plotBottom: number): string[] {
  const els = elements(svg);
  const labels: string[] = [];
  for (const s of els.filter((e) => cls(e, swatch))) {
    const label = s.attrs['data-label'];
    const line = els.find((e) => cls(e, drawn) && e.attrs['data-label'] === label);
    expect(line, `a drawn element for the legend entry "${label}"`).toBeDefined();
    expect(style(s), `legend swatch of "${label}"`).toEqual(style(line!));
    const halo = els.find((e) => cls(e, `${swatch}-halo`) && e.attrs['data-label'] === label);
    const lineHalo = els.find((e) => cls(e, `${drawn}-halo`) && e.attrs['data-label'] === label);
    expect(halo && style(halo)).toEqual(lineHalo && style(lineHalo));
    expect(Number(s.attrs.y1), `legend entry "${label}" below the data`).toBeGreaterThan(plotBottom);
    labels.push(label);
  }
  return labels;
}

describe('ticks', () => {
  it('log ticks are the powers of ten inside the range, thinned over many decades', () => {
    expect(logTicks(1, 1400)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(0.001, 3.8)).toEqual([0.001, 0.01, 0.1, 1]);
    expect(logTicks(1e-6, 1e6, 7)).toEqual([1e-6, 1e-4, 0.01, 1, 100, 1e4, 1e6]);
    // Less than two decades: 1-2-5 steps.
    expect(logTicks(1.5, 60)).toEqual([2, 5, 10, 20, 50]);
    expect(logTicks(0, 10)).toEqual([]);
  });
  it('linear ticks are 1-2-5 steps covering the range', () => {
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(10, 200, 4)).toEqual([50, 100, 150, 200]);
  });
  it('cell edges are midpoints, geometric on a log axis', () => {
    expect(cellEdges([1, 10, 100], 'log').map((v) => +v.toPrecision(6))).toEqual([0.316228, 3.16228, 31.6228, 316.228]);
    expect(cellEdges([0, 1, 3], 'linear')).toEqual([-0.5, 0.5, 2, 4]);
  });
});

describe('plots', () => {
  it('heatmap SVG parses, has one cell per value, overlays and a legend; the PNG is valid', async () => {
    await ensureRasterizer();
    const z = [
      [1, 2, 3, null],
      [4, 5, 6, 7],
    ];
    const svg = heatmapSvg({
      z,
      x: { label: 'Gamma', values: [1, 10, 100, 1000], scale: 'log' },
      y: { label: '||u||', values: [0.1, 0.2] },
      title: 'test',
      colorbar: { label: 'accuracy', scale: 'log' },
      annotate: true,
      overlays: [
        { kind: 'vline', x: 30, label: 'Gamma = C2' },
        { kind: 'hline', y: 0.15, label: 'SNR = C1', dash: true },
        {
          kind: 'polyline',
          points: [
            [1, 0.1],
            [1000, 0.2],
          ],
        },
      ],
    });
    expect(svg.match(/class="cell"/g)!.length).toBe(8);
    expect(svg.match(/class="overlay"/g)!.length).toBe(3);
    expect(svg).toContain('class="legend"');
    // The legend (two labelled lines) goes below the figure: 14 + 2 x 18 px more.
    expect(parses(svg)).toEqual({ width: 640, height: 570 });
    const png = svgToPng(svg, { zoom: 2 });
    expect(pngSize(png)).toEqual({ width: 1280, height: 1140 });
    const frame = elements(svg).filter((e) => e.tag === 'rect' && e.attrs.fill === 'none' && e.attrs.stroke === '#000000')[0];
    expect(legendMatches(svg, 'overlay', 'swatch', Number(frame.attrs.y) + Number(frame.attrs.height))).toEqual(['Gamma = C2', 'SNR = C1']);
    // Cell values are drawn after (above) every line, each with a halo of its cell's colour.
    const els = elements(svg);
    const lastLine = Math.max(...els.filter((e) => cls(e, 'overlay')).map((e) => e.index));
    const values = els.filter((e) => cls(e, 'value'));
    expect(values.length).toBe(7);
    for (const v of values) {
      expect(v.index).toBeGreaterThan(lastLine);
      expect(v.attrs['paint-order']).toBe('stroke');
    }
    const fills = new Set(els.filter((e) => cls(e, 'cell')).map((e) => e.attrs.fill));
    for (const v of values) expect(fills.has(v.attrs.stroke)).toBe(true);
    // A white line gets a dark halo, a dark line a white one (visible on any cell colour).
    expect(plot.haloColor('#ffffff')).toBe('#000000');
    expect(plot.haloColor('#e41a1c')).toBe('#ffffff');
  });

  it('image grid: one tile per image with label and score; encodePng gives a valid PNG', async () => {
    await ensureRasterizer();
    const img = Uint8Array.from({ length: 4 * 3 }, (_, i) => i * 20);
    const rows = [
      {
        title: 'a',
        tiles: [
          { pixels: img, label: '7', score: 1.5e-3 },
          { pixels: img, label: '1', score: -2 },
        ],
      },
      { title: 'b', tiles: [{ pixels: img, label: '0', score: 0 }] },
    ];
    const svg = imageGridSvg(rows, { width: 4, height: 3, channels: 1, layout: 'hwc' }, { zoom: 2, title: 't' });
    expect(svg.match(/<image /g)!.length).toBe(3);
    // Each number is named: the label and the score under each image, and a caption.
    expect(svg).toContain('>label 7<');
    expect(svg).toContain('>score 0.00150<');
    expect(svg).toContain('>score -2.00<');
    expect(svg).toMatch(/class="caption">Under each image: its label, and its score \(the influence score of eq\. 10\)/);
    expect(plot.scoreLabel(-1049.6)).toBe('-1050');
    expect(plot.scoreLabel(2.5e-5)).toBe('2.50e-5');
    const size = parses(svg);
    expect(pngSize(svgToPng(svg, { zoom: 1 }))).toEqual(size);
    expect(pngSize(encodePng(new Uint8Array(5 * 2 * 3), 5, 2, 3))).toEqual({ width: 5, height: 2 });
    expect(() => encodePng(new Uint8Array(3), 5, 2, 3)).toThrow(/expected/);
  });
});

/** Evaluation records of a made-up run (the shape training writes). */
function history(n: number): EvalRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    step: i * 10,
    epoch: i,
    trainLoss: 1.6 * Math.exp(-i / 4),
    trainAcc: Math.min(1, 0.2 + i / n),
    testLoss: 1.6 * Math.exp(-i / 6),
    testAcc: Math.min(1, 0.2 + i / (1.5 * n)),
    testAccPerClass: null,
    longTailed: [
      { L: 1, acc: 0.2 + i / (2 * n), count: 10 },
      { L: 2, acc: 0.3 + i / (3 * n), count: 8 },
    ],
    featureLearning: [i * 0.1, i * 0.2],
    noiseMemorization: { mean: i * 0.15, max: i * 0.3, perClass: [] },
    kappa: 1,
  })) as EvalRecord[];
}

describe('legends match what is drawn', () => {
  it('a sweep heatmap: the "SNR = C1" swatch is the white line on the map, with the same dark halo', async () => {
    const bf = await backend('wasm');
    const resolved = resolveSweep(preset('fig3a', true));
    // Made-up accuracies (the figure only needs the cells' mean test accuracy).
    const rows = resolved.x.values.flatMap((x, xi) =>
      resolved.y!.values.map(
        (y, yi) =>
          ({ index: yi * 8 + xi, xi, yi, x, y, seed: 0, testAcc: 0.2 + 0.1 * ((xi + yi) % 8), longTailed: [], snr: [], gammaMin: [] }) as unknown as CellResult,
      ),
    );
    const f = sweepFigure(bf, resolved, rows, { fit: false });
    const els = elements(f.svg);
    const frame = els.filter((e) => e.tag === 'rect' && e.attrs.fill === 'none' && e.attrs.stroke === '#000000')[0];
    const labels = legendMatches(f.svg, 'overlay', 'swatch', Number(frame.attrs.y) + Number(frame.attrs.height));
    const snr = labels.find((l) => l.startsWith('SNR = C1'));
    expect(snr, labels.join('; ')).toBeDefined();
    const line = els.find((e) => cls(e, 'overlay') && e.attrs['data-label'] === snr)!;
    expect(line.attrs.stroke).toBe('#ffffff');
    expect(els.find((e) => cls(e, 'swatch') && e.attrs['data-label'] === snr)!.attrs.stroke).toBe('#ffffff');
    expect(els.find((e) => cls(e, 'swatch-halo') && e.attrs['data-label'] === snr)!.attrs.stroke).toBe('#000000');
    // The legend texts are the labels of the drawn lines.
    for (const l of labels) expect(f.svg).toContain(`>${l}<`);
    // The notes send the reader to the file that holds the fit, not to "this file".
    expect(f.notes.join(' ')).not.toMatch(/this file/);
  });

  it('line charts: each legend swatch has the colour and dash of its curve, and sits below the plot', () => {
    const svg = plot.lineChartSvg({
      series: [
        { label: 'a', x: [0, 1, 2], y: [0, 1, 0.5] },
        { label: 'b (dashed)', x: [0, 1, 2], y: [1, 0, 0.2], dash: true },
        { label: 'c', x: [0, 1, 2], y: [0.3, 0.3, 0.9], color: '#123456' },
      ],
      x: { label: 'x' },
      y: { label: 'y' },
      title: 't',
    });
    const frame = elements(svg).find((e) => e.tag === 'rect' && e.attrs.fill === 'none' && e.attrs.stroke === '#000000')!;
    expect(legendMatches(svg, 'series', 'swatch', Number(frame.attrs.y) + Number(frame.attrs.height))).toEqual(['a', 'b (dashed)', 'c']);
    parses(svg);
  });

  it('training curves: three charts side by side, every legend entry matching its curve', async () => {
    await ensureRasterizer();
    const svg = plot.trainingCurvesSvg(history(12), { title: 'a run' });
    expect(svg.match(/<svg /g)!.length).toBe(4);
    const labels = elements(svg)
      .filter((e) => cls(e, 'swatch'))
      .map((e) => e.attrs['data-label']);
    expect(labels).toEqual([
      'training loss',
      'test loss',
      'training accuracy',
      'test accuracy',
      'long-tailed test accuracy (L = 1)',
      'long-tailed test accuracy (L = 2)',
      'feature learning: mean_k max_r &lt;w_k,r, u_k&gt;',
      'noise memorisation: mean_i max_r &lt;w_y_i,r, xi_i&gt;',
    ]);
    // Each chart: swatches match the curves of that chart (compared chart by chart).
    for (const chart of plot.trainingCurveSvgs(history(12))) {
      const frame = elements(chart).find((e) => e.tag === 'rect' && e.attrs.fill === 'none' && e.attrs.stroke === '#000000')!;
      legendMatches(chart, 'series', 'swatch', Number(frame.attrs.y) + Number(frame.attrs.height));
    }
    // Unique clip ids: the page puts the three charts in one document.
    const ids = [...svg.matchAll(/clipPath id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(3);
    const size = parses(svg);
    expect(size.width).toBe(3 * 520);
    expect(pngSize(svgToPng(svg, { zoom: 1 }))).toEqual(size);
  });
  it('the Theory phase map: a swatch per phase present (its fill), per line (as drawn) and for the marker', async () => {
    const bf = await backend('wasm');
    const xs = [1e-4, 1e-3, 0.01, 0.1, 1, 10, 100];
    const ys = [1, 10, 100, 1000, 1e4];
    const b = bf.phaseBoundaries({ plane: 'featureNorm-gamma', x: xs, y: ys, classes: 3, dim: 200, perClass: 20 });
    const svg = plot.phaseMapSvg({
      x: { label: '||u||', values: b.x, scale: 'log' },
      y: { label: 'Gamma', values: b.y, scale: 'log' },
      phase: b.phase as plot.PhaseName[][],
      curves: b.curves
        .filter((c) => c.id === '2a' || c.id === '2b')
        .map((c) => ({ label: c.label, points: c.points, color: c.id === '2a' ? '#ffffff' : '#ff7f0e' })),
      point: { x: 1, y: 10, label: 'here' },
    });
    const els = elements(svg);
    const regions = new Map(els.filter((e) => cls(e, 'region')).map((e) => [e.attrs['data-phase'], e.attrs.fill]));
    const swatches = new Map(els.filter((e) => cls(e, 'swatch-region')).map((e) => [e.attrs['data-phase'], e.attrs.fill]));
    expect(swatches).toEqual(regions);
    expect([...regions.keys()].sort()).toEqual([...new Set(b.phase.flat())].sort());
    const frame = els.find((e) => e.tag === 'rect' && e.attrs.fill === 'none' && e.attrs.stroke === '#000000')!;
    expect(legendMatches(svg, 'overlay', 'swatch', Number(frame.attrs.y) + Number(frame.attrs.height))).toEqual(
      b.curves.filter((c) => c.id === '2a' || c.id === '2b').map((c) => c.label),
    );
    const marker = els.find((e) => cls(e, 'marker'))!;
    const mk = els.find((e) => cls(e, 'swatch-marker'))!;
    expect([mk.attrs.fill, mk.attrs.stroke, mk.attrs.r]).toEqual([marker.attrs.fill, marker.attrs.stroke, marker.attrs.r]);
    expect(marker.attrs['data-inside']).toBe('true');
    parses(svg);
  });
});

describe('benignfit train --plot', () => {
  const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const args = [
    'train',
    '--backend',
    'wasm',
    '--classes',
    '3',
    '--dim',
    '16',
    '--per-class',
    '5',
    '--test-per-class',
    '8',
    '--gamma',
    '3',
    '--width',
    '3',
    '--lr',
    '0.5',
    '--steps',
    '120',
  ];
  it.skipIf(!existsSync(cli))('writes curves.svg and curves.png by default (metrics at about 50 points), none with --no-plot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-plot-'));
    try {
      execFileSync(process.execPath, [cli, ...args, '--out', join(dir, 'a')], { stdio: 'pipe' });
      const svg = readFileSync(join(dir, 'a', 'curves.svg'), 'utf8');
      const records = readFileSync(join(dir, 'a', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n');
      // 120 steps at 50 points: every 3 steps (40 records and the final one at most).
      expect(records.length).toBeGreaterThanOrEqual(40);
      expect(records.length).toBeLessThanOrEqual(42);
      expect(svg).toContain('Feature learning vs noise memorisation');
      expect(svg.match(/class="series"/g)!.length).toBeGreaterThanOrEqual(7);
      const png = new Uint8Array(readFileSync(join(dir, 'a', 'curves.png')));
      expect(pngSize(png)!.width).toBe(Math.round(1.5 * parses(svg).width));
      execFileSync(process.execPath, [cli, ...args, '--out', join(dir, 'b'), '--no-plot'], { stdio: 'pipe' });
      expect(existsSync(join(dir, 'b', 'curves.svg'))).toBe(false);
      expect(
        readFileSync(join(dir, 'b', 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n').length,
      ).toBe(1);
      // An explicit --eval-every wins.
      execFileSync(process.execPath, [cli, ...args, '--out', join(dir, 'c'), '--eval-every', '60'], { stdio: 'pipe' });
      expect(
        readFileSync(join(dir, 'c', 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n').length,
      ).toBeLessThanOrEqual(3);
      expect(existsSync(join(dir, 'c', 'curves.png'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
