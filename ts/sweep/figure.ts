/** The sweep heatmap (mean test accuracy over seeds) — filled in with the plotting module. */
import type { CellResult } from './cell.js';
import type { ResolvedSweep } from './spec.js';

export async function writeSweepFigure(dir: string, resolved: ResolvedSweep, rows: CellResult[]): Promise<string[]> {
  void dir;
  void resolved;
  void rows;
  return [];
}
