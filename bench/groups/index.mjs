// Every benchmark group, by area: bench/groups/<area>.mjs. `node bench/run.mjs <group...>` runs
// groups by these names, in this order (peak first: the other rows' fraction of peak refers to it).
// A new benchmark goes into the file of its area as a new group (or a new task of a group there);
// a new area gets a file here and a line below.
import { CLASSIFIER } from './classifier.mjs';
import { INFLUENCE } from './influence.mjs';
import { KERNELS } from './kernels.mjs';
import { THEORY } from './theory.mjs';
import { TRAIN } from './train.mjs';
import { WEB } from './web.mjs';

const { peak, boundary } = KERNELS;
const { step, sgd, sweep, group, workers, generate } = TRAIN;

/** Group name -> { impls, run(impl) -> rows }. */
export const GROUPS = { peak, step, sgd, sweep, group, workers, boundary, generate, ...CLASSIFIER, ...INFLUENCE, ...THEORY, ...WEB };

/** Which file each group lives in (for `--list` and the docs). */
export const AREAS = {
  kernels: Object.keys(KERNELS),
  train: Object.keys(TRAIN),
  classifier: Object.keys(CLASSIFIER),
  influence: Object.keys(INFLUENCE),
  theory: Object.keys(THEORY),
  web: Object.keys(WEB),
};
