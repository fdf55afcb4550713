/** Writing the sweep figure files in Node: heatmap.svg, heatmap.png, theory.json. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Benignfit } from '../api.js';
import { svgToPng } from '../plot/raster.js';
import { ensureRasterizer } from '../plot/raster-node.js';
import type { CellResult } from './cell.js';
import { sweepFigure } from './figure.js';
import type { ResolvedSweep } from './spec.js';

export async function writeSweepFigure(bf: Benignfit, dir: string, resolved: ResolvedSweep, rows: CellResult[]): Promise<string[]> {
  const f = sweepFigure(bf, resolved, rows);
  writeFileSync(join(dir, 'heatmap.svg'), f.svg);
  await ensureRasterizer();
  writeFileSync(join(dir, 'heatmap.png'), svgToPng(f.svg));
  writeFileSync(
    join(dir, 'theory.json'),
    `${JSON.stringify(
      {
        meanTestAcc: f.z,
        fit: f.fit,
        boundaries: f.boundaries && { plane: f.boundaries.plane, constants: f.boundaries.constants, curves: f.boundaries.curves },
        notes: f.notes,
      },
      null,
      1,
    )}\n`,
  );
  return ['heatmap.svg', 'heatmap.png', 'theory.json'];
}
