#!/usr/bin/env node
// Creates (once) the Python environment the benchmarks' peers run in: .venv-bench/ with the
// packages of bench/peers/requirements.txt from the Python registry. Idempotent: re-installs only
// when requirements.txt changed. Exports `python()` for the benchmark scripts.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = join(root, '.venv-bench');
const req = join(root, 'bench', 'peers', 'requirements.txt');
const stamp = join(venv, '.requirements-hash');

export function python() {
  return join(venv, 'bin', 'python');
}

export function ensurePeers({ quiet = false } = {}) {
  const hash = createHash('sha256').update(readFileSync(req)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return python();
  const say = (m) => quiet || console.error(`[bench peers] ${m}`);
  if (!existsSync(python())) {
    say(`creating ${venv}`);
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  say(`installing ${req}`);
  const r = spawnSync(python(), ['-m', 'pip', 'install', '-q', '-r', req], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('pip install of the benchmark peers failed (see above)');
  writeFileSync(stamp, hash);
  return python();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(ensurePeers());
}
