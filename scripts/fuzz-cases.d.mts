/** Types of fuzz-cases.mjs (a plain script shared by test/fuzz.test.ts and scripts/fuzz.mjs). */
import type { Arbitrary } from 'fast-check';
export declare const READERS: string[];
export declare const BACKEND_READERS: Set<string>;
export declare const WASM_USIZE: RegExp;
export interface FuzzReader {
  arb: Arbitrary<unknown>;
  run(bf: unknown, input: never, caseId?: number): Promise<unknown>;
}
export declare function makeReaders(lib: Record<string, unknown>, tmp: string): Record<'npy' | 'npytrain' | 'runfolder' | 'idx' | 'cifar' | 'npydata' | 'images' | 'table' | 'results' | 'config' | 'set', FuzzReader>;
export declare const KNOWN_OPEN: { name: string; re: RegExp }[];
export declare function classify(lib: Record<string, unknown>, bf: unknown, f: () => unknown): Promise<{ cls: 'ok' | 'clean' | 'other' | 'crash'; code?: string; message?: string; detail?: string; known?: string }>;
