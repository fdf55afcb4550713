#!/usr/bin/env node
/** `benignfit` — the command line. `benignfit <command> --help` explains each command. */
import { Command } from 'commander';
import { BenignfitError } from '../errors.js';
import { registerGenerate } from './generate.js';
import { registerSweep } from './sweep.js';
import { registerTrain } from './train.js';
import { registerInfluence } from './influence.js';
import { registerTheory } from './theory.js';
import { registerReproduce } from './reproduce.js';

const program = new Command();
program
  .name('benignfit')
  .description('Benign overfitting in two-layer ReLU CNNs: data model, training, Theorem 1, phase diagrams, influence scores')
  .showHelpAfterError()
  .version('0.1.0');
registerGenerate(program);
registerTrain(program);
registerSweep(program);
registerReproduce(program);
registerInfluence(program);
registerTheory(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof BenignfitError) {
    console.error(`benignfit: error [${e.code}]: ${e.message}`);
    process.exit(e.code === 'E_ABORTED' ? 130 : 2);
  }
  console.error('benignfit: unexpected error:', e);
  process.exit(1);
});
