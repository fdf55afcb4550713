/**
 * Output folders on a read-only file system, where no tmpfs can be mounted (not root): the file
 * system is simulated by failing node:fs calls under one path the way Linux does (a recursive mkdir
 * there reports ENOENT; the real cause, EROFS, comes from creating the first missing level alone).
 * store.test.ts runs the same checks on a real read-only tmpfs where it can mount one.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const RO = join(tmpdir(), `bf-readonly-${process.pid}`);

vi.mock('node:fs', async (orig) => {
  const fs = await orig<typeof import('node:fs')>();
  const under = (p: unknown) => typeof p === 'string' && (p === RO || p.startsWith(`${RO}/`));
  const erofs = (syscall: string, p: string) =>
    Object.assign(new Error(`EROFS: read-only file system, ${syscall} '${p}'`), { code: 'EROFS', syscall, path: p });
  const enoent = (syscall: string, p: string) =>
    Object.assign(new Error(`ENOENT: no such file or directory, ${syscall} '${p}'`), { code: 'ENOENT', syscall, path: p });
  const mocked = {
    ...fs,
    existsSync: (p: fs.PathLike) => (under(p) ? p === RO : fs.existsSync(p)),
    statSync: ((p: fs.PathLike, o?: fs.StatSyncOptions) => (p === RO ? fs.statSync(tmpdir()) : fs.statSync(p, o))) as typeof fs.statSync,
    mkdirSync: ((p: fs.PathLike, o?: fs.MakeDirectoryOptions) => {
      if (!under(p)) return fs.mkdirSync(p, o);
      if (p === RO) return undefined;
      // Like Linux under a read-only mount: recursive mkdir says ENOENT, a single level EROFS.
      throw (o as { recursive?: boolean } | undefined)?.recursive ? enoent('mkdir', String(p)) : erofs('mkdir', String(p));
    }) as typeof fs.mkdirSync,
    openSync: ((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
      if (under(p)) throw erofs('open', String(p));
      return fs.openSync(p, flags, mode);
    }) as typeof fs.openSync,
  };
  return { ...mocked, default: mocked };
});

const { outDir, outFile } = await import('../ts/cli/common.js');

describe('output folders on a read-only file system (simulated)', () => {
  it('an existing read-only --out: E_IO saying EROFS before any work', () => {
    expect(() => outDir(RO)).toThrow(/--out: cannot write into .*bf-readonly-\d+: EROFS: read-only file system/);
  });

  it('a new --out below a read-only mount says EROFS, not ENOENT (item 18)', () => {
    let err: unknown;
    try {
      outDir(join(RO, 'new', 'deeper'));
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/--out: cannot create .*new\/deeper: EROFS: read-only file system, mkdir '.*bf-readonly-\d+\/new'/);
    expect((err as Error).message).not.toMatch(/ENOENT/);
  });

  it('an output file there is refused before the work too', () => {
    expect(() => outFile(join(RO, 'theory.json'))).toThrow(/--out: cannot write into .*: EROFS/);
  });
});
