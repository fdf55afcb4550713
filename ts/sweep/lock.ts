/**
 * One writer per result folder: `<dir>/.lock` names the process that writes there (PID, host, its
 * start time and command). A second process is refused; a lock left by a process that is gone (a
 * killed run: SIGKILL, a cancelled Slurm task, a crashed node on the same host) is taken over with
 * a note. Node has no flock(2), so the lock is a file created with O_EXCL. Its owner touches it
 * every 30 s: the lock of another host (a cluster node that died, sharing the folder over NFS)
 * counts as stale once it is STALE_AFTER_MS old.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BenignfitError } from '../errors.js';

export const LOCK_FILE = '.lock';
/** A lock of another host whose owner has not touched it for this long is stale (10 minutes). */
export const STALE_AFTER_MS = 10 * 60_000;
const HEARTBEAT_MS = 30_000;

export interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux /proc/PID/stat field 22), to tell a reused PID. */
  startTicks: number | null;
  started: string;
  command: string;
}

export interface FolderLock {
  readonly file: string;
  release(): void;
}

/** Field 22 of /proc/PID/stat (start time since boot), or null where there is no /proc. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `o` still runs (on this host; another host's while it keeps touching the lock). */
export function ownerAlive(o: LockOwner, file?: string): boolean {
  if (o.host !== hostname()) {
    try {
      return !file || Date.now() - statSync(file).mtimeMs < STALE_AFTER_MS;
    } catch {
      return false;
    }
  }
  if (o.pid === process.pid && o.startTicks === processStartTicks(process.pid)) return true;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The PID exists: the same process, unless the PID was reused by a later one.
  const ticks = processStartTicks(o.pid);
  return !(o.startTicks !== null && ticks !== null && ticks !== o.startTicks);
}

function me(): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    startTicks: processStartTicks(process.pid),
    started: new Date().toISOString(),
    command: process.argv
      .slice(1)
      .map((a) => a.replace(/^.*\/dist\/cli\/main\.js$/, 'benignfit'))
      .join(' ')
      .slice(0, 300),
  };
}

function readOwner(file: string): { text: string; owner: LockOwner | null } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new BenignfitError('E_IO', `cannot read the lock ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return { text, owner: o && typeof o.pid === 'number' && typeof o.host === 'string' ? o : null };
  } catch {
    return { text, owner: null };
  }
}

const held = new Map<string, string>();
const beats = new Map<string, ReturnType<typeof setInterval>>();
let exitHook = false;

/**
 * Take the lock of a folder, or throw E_IO naming the process that holds it. `note` receives the
 * message when a stale lock (its process is gone) is taken over.
 */
export function lockFolder(dir: string, o: { what?: string; note?: (msg: string) => void } = {}): FolderLock {
  const file = join(dir, LOCK_FILE);
  const mine = me();
  const body = `${JSON.stringify(mine)}\n`;
  const create = (): boolean => {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      throw new BenignfitError('E_IO', `--out: cannot create the lock ${file}: ${(e as Error).message}`, { field: '--out', cause: e });
    }
    try {
      writeSync(fd, body);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
      throw new BenignfitError('E_IO', `--out: cannot write the lock ${file}: ${(e as Error).message}`, { field: '--out', cause: e });
    }
    closeSync(fd);
    return true;
  };
  const busy = (owner: LockOwner | null) =>
    new BenignfitError(
      'E_IO',
      owner
        ? `--out: ${dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.started}: ${owner.command || '?'}); two runs writing one folder would store every cell twice. Wait for it to end, stop it, or give each run its own --out. If that process is gone, delete ${file}${owner.host !== hostname() ? ` (a lock of another host is also taken over once untouched for ${STALE_AFTER_MS / 60_000} minutes)` : ''}.`
        : `--out: ${dir} is being locked by another process right now (${file}); give each run its own --out`,
      { field: '--out' },
    );
  for (let attempt = 0; attempt < 3; attempt++) {
    if (create()) return register(file, body);
    const cur = readOwner(file);
    if (!cur) continue; // released meanwhile: try again
    if (!cur.owner) {
      // Empty or unreadable: being written right now by another process (held), or left half
      // written by one that died (stale once it is a few seconds old).
      let age = Infinity;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (age < 5000) {
        if (attempt < 2) {
          sleep(100);
          continue;
        }
        throw busy(null);
      }
    } else if (ownerAlive(cur.owner, file)) {
      throw busy(cur.owner);
    }
    // Stale: move it aside (atomic), check that we moved the lock we judged, then create ours.
    const aside = `${file}.stale.${process.pid}`;
    try {
      renameSync(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new BenignfitError('E_IO', `--out: cannot take over the stale lock ${file}: ${(e as Error).message}`, { field: '--out', cause: e });
    }
    const moved = readOwner(aside);
    if (moved && moved.text !== cur.text) {
      // Another process took the stale lock over between our read and the rename: put its lock back.
      try {
        linkSync(aside, file);
      } catch {
        /* a third one holds it now */
      }
      unlinkQuiet(aside);
      throw busy(moved.owner);
    }
    unlinkQuiet(aside);
    if (!create()) throw busy(readOwner(file)?.owner ?? null);
    const what = cur.owner ? `process ${cur.owner.pid} on ${cur.owner.host} (started ${cur.owner.started})` : 'an unreadable lock';
    o.note?.(`note: took over the lock of ${dir} from ${what}, which is no longer running`);
    return register(file, body);
  }
  throw busy(readOwner(file)?.owner ?? null);
}

function unlinkQuiet(f: string): void {
  try {
    unlinkSync(f);
  } catch {
    /* gone */
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function release(file: string, body: string): void {
  if (held.get(file) !== body) return;
  held.delete(file);
  clearInterval(beats.get(file));
  beats.delete(file);
  // Remove it only while it is still ours.
  const cur = readOwner(file);
  if (cur && cur.text === body) unlinkQuiet(file);
}

function register(file: string, body: string): FolderLock {
  held.set(file, body);
  const beat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      /* the folder is gone or read-only now: the writes will say so */
    }
  }, HEARTBEAT_MS);
  beat.unref();
  beats.set(file, beat);
  if (!exitHook) {
    exitHook = true;
    // process.exit (a second Ctrl-C, an error) skips finally blocks: still leave no lock behind.
    process.on('exit', () => {
      for (const [f, b] of [...held]) {
        try {
          release(f, b);
        } catch {
          /* best effort */
        }
      }
    });
  }
  return { file, release: () => release(file, body) };
}
