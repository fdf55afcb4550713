#!/usr/bin/env node
/** `benignfit` — the command line. `benignfit <command> --help` explains each command. */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BenignfitError } from '../errors.js';
import { registerGenerate } from './generate.js';
import { registerSweep } from './sweep.js';
import { registerTrain } from './train.js';
import { registerInfluence } from './influence.js';
import { registerScores } from './scores.js';
import { registerTheory } from './theory.js';
import { registerReproduce } from './reproduce.js';
import { lastSignal } from './progress.js';

/** The package's version (package.json). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The whole command line: every command and its flags (test/cli-help.test.ts walks it). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('benignfit')
    .description('Benign overfitting in two-layer ReLU CNNs: data model, training, Theorem 1, phase diagrams, influence scores')
    .showHelpAfterError()
    .version(version());
  registerGenerate(program);
  registerTrain(program);
  registerSweep(program);
  registerReproduce(program);
  registerInfluence(program);
  registerScores(program);
  registerTheory(program);
  return program;
}

/** Whether this module is the program being run (`node dist/cli/main.js`, `npx benignfit`), not an import. */
function isMain(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // A closed pipe on stdout or stderr (`benignfit sweep ... 2>&1 | grep -m1 x`) must not kill a run:
  // its results go to files, the messages are only a view of them.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }

  buildProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      if (e instanceof BenignfitError) {
        console.error(`benignfit: error [${e.code}]: ${e.message}`);
        // Stopped by a signal: 130 (SIGINT) or 143 (SIGTERM), as a shell reports them.
        process.exit(e.code === 'E_ABORTED' ? (lastSignal === 'SIGTERM' ? 143 : 130) : 2);
      }
      const sys = e as NodeJS.ErrnoException;
      if (sys && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
        // A file-system error that no command turned into a BenignfitError: still say what and where.
        console.error(`benignfit: error [E_IO]: ${sys.message}`);
        process.exit(2);
      }
      console.error('benignfit: unexpected error:', e);
      process.exit(1);
    });
}
