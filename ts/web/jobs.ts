/** The jobs the page's own worker runs (worker.ts), and what crosses to and fro. Types only. */
import type { BoundaryOptionsInput, DataConfigInput, InfluenceConfigInput, TheoryOptionsInput } from '../config.js';
import type { InfluenceResult } from '../influence.js';
import type { CellResult } from '../sweep/cell.js';
import type { SweepConfigInput } from '../sweep/spec.js';
import type { BoundaryReport, FitReport, TheoryResult } from '../theory.js';

/**
 * Files from disk (File objects clone into workers; `paths` are their webkitRelativePath in a
 * picked folder, which cloning drops; `labelColumn` names a CSV table's labels) or the built-in
 * sample (URLs).
 */
export type ImageSource =
  | { kind: 'files'; files: File[]; paths?: string[]; labelColumn?: string }
  | { kind: 'sample'; images: string; labels: string; name: string };

export interface ImageSetInfo {
  n: number;
  /** Values per row. */
  dim: number;
  /** Image geometry (0 for feature vectors). */
  height: number;
  width: number;
  channels: number;
  /** Rows are feature vectors (a .npy N x D or a CSV table), not images. */
  features: boolean;
  classes: number;
  classNames: string[];
  sources: string[];
  format: 'idx' | 'cifar' | 'npy' | 'folder' | 'csv';
  /** Per row, its file in a picked folder. */
  files?: string[];
  /** Files of a picked folder that are not PNG or JPEG. */
  skipped: number;
}

/** The influence result of ts/influence.ts (config as plain JSON), with the page's extras. */
export interface InfluenceOutput extends Omit<InfluenceResult, 'config' | 'dim'> {
  set: ImageSetInfo;
  config: Record<string, unknown>;
  backend: string;
  version: unknown;
  /** Figure 6 heatmap, and the Figure 5 grids of the highest and lowest scores. */
  frobeniusSvg: string | null;
  gridTop: string;
  gridBottom: string;
  /** Indices of the extremes per class (top / bottom), as in the CLI's summary.json. */
  extremes: { top: number[][]; bottom: number[][] };
}

export interface FigureOutput {
  svg: string;
  z: (number | null)[][];
  notes: string[];
  fit: FitReport | null;
  boundaries: Pick<BoundaryReport, 'plane' | 'constants' | 'curves'> | null;
}

export interface JobArgs {
  theory: { data: DataConfigInput; options: TheoryOptionsInput };
  /** Theorem 1's phase over a plane (the Theory view's map). */
  boundaries: { options: BoundaryOptionsInput };
  figure: { config: SweepConfigInput; rows: CellResult[]; fit: boolean };
  /** workers: Web Workers for the classes (with frobenius off; 1: the page's worker alone). */
  influence: { source: ImageSource; options: InfluenceConfigInput; grid: number; workers?: number };
  /** Start the influence Web Workers (and their wasm) ahead of a run: when data is chosen. */
  influenceWarm: { workers?: number };
  grids: { grid: number };
  png: { svg: string; zoom?: number };
  version: Record<string, never>;
}

export interface JobValue {
  theory: TheoryResult;
  boundaries: BoundaryReport;
  figure: FigureOutput;
  influence: InfluenceOutput;
  influenceWarm: null;
  grids: { gridTop: string; gridBottom: string; extremes: InfluenceOutput['extremes'] };
  png: Uint8Array;
  version: { backend: string; version: unknown; workers: number };
}

export type InfluenceStep =
  | { stage: 'read'; file: string; done: number; total: number }
  | { stage: 'class-start'; class: number; images: number; done: number; total: number }
  | { stage: 'class-done'; class: number; images: number; done: number; total: number; seconds: number }
  | { stage: 'figures' };

export interface JobProgress {
  theory: never;
  boundaries: never;
  figure: never;
  influence: InfluenceStep;
  influenceWarm: never;
  grids: never;
  png: never;
  version: never;
}

export type JobKind = keyof JobArgs;

export type Request = { type: 'job'; id: number; kind: JobKind; args: JobArgs[JobKind] } | { type: 'abort'; id: number };
export type Reply =
  | { type: 'progress'; id: number; data: unknown }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'error'; id: number; code: string; message: string };
