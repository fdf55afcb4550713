import { Resvg } from '@resvg/resvg-wasm';
import { describe, expect, it } from 'vitest';
import { ensureRasterizer, plot } from '../ts/index.node.js';

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
    const z = [[1, 2, 3, null], [4, 5, 6, 7]];
    const svg = heatmapSvg({
      z,
      x: { label: 'Gamma', values: [1, 10, 100, 1000], scale: 'log' },
      y: { label: '||u||', values: [0.1, 0.2] },
      title: 'test',
      colorbar: { label: 'accuracy', scale: 'log' },
      annotate: true,
      overlays: [{ kind: 'vline', x: 30, label: 'Gamma = C2' }, { kind: 'hline', y: 0.15, label: 'SNR = C1', dash: true }, { kind: 'polyline', points: [[1, 0.1], [1000, 0.2]] }],
    });
    expect(svg.match(/class="cell"/g)!.length).toBe(8);
    expect(svg.match(/class="overlay"/g)!.length).toBe(3);
    expect(svg).toContain('class="legend"');
    expect(parses(svg)).toEqual({ width: 640, height: 520 });
    const png = svgToPng(svg, { zoom: 2 });
    expect(pngSize(png)).toEqual({ width: 1280, height: 1040 });
  });

  it('image grid: one tile per image with label and score; encodePng gives a valid PNG', async () => {
    await ensureRasterizer();
    const img = Uint8Array.from({ length: 4 * 3 }, (_, i) => i * 20);
    const rows = [{ title: 'a', tiles: [{ pixels: img, label: '7', score: 1.5e-3 }, { pixels: img, label: '1', score: -2 }] }, { title: 'b', tiles: [{ pixels: img, label: '0', score: 0 }] }];
    const svg = imageGridSvg(rows, { width: 4, height: 3, channels: 1, layout: 'hwc' }, { zoom: 2, title: 't' });
    expect(svg.match(/<image /g)!.length).toBe(3);
    expect(svg).toContain('>0.00150<');
    expect(svg).toContain('>-2.00<');
    expect(plot.scoreLabel(-1049.6)).toBe('-1050');
    expect(plot.scoreLabel(2.5e-5)).toBe('2.50e-5');
    const size = parses(svg);
    expect(pngSize(svgToPng(svg, { zoom: 1 }))).toEqual(size);
    expect(pngSize(encodePng(new Uint8Array(5 * 2 * 3), 5, 2, 3))).toEqual({ width: 5, height: 2 });
    expect(() => encodePng(new Uint8Array(3), 5, 2, 3)).toThrow(/expected/);
  });
});
