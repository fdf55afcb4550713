/* tslint:disable */
/* eslint-disable */

/**
 * A LeNet-5 / small CIFAR classifier and its SGD state.
 */
export class ClassifierTrainer {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Up to `budget` SGD steps, never past an epoch's end; JSON of the Progress (loss and accuracy: the epoch's so far).
     */
    advance(budget: number): string;
    dropTrainingData(): void;
    /**
     * JSON of the EvalStats.
     */
    evaluate(images: Float32Array, labels: Int32Array): string;
    /**
     * JSON of the ClassifierInfo.
     */
    info(): string;
    lossAndGradient(images: Float32Array, labels: Int32Array): RawLossGradient;
    constructor(config: string, threads: number);
    params(): Float32Array;
    predict(images: Float32Array): Float32Array;
    /**
     * Up to `batches` SGD steps; JSON of the RunStats.
     */
    run(batches: number): string;
    setParams(params: Float32Array): void;
    setTrainingData(images: Float32Array, labels: Int32Array): void;
}

/**
 * The fit of Theorem 1's rates c1, c2 to sweep rows as a job: `advance` until finished (a unit is one bootstrap resample), then `result`.
 */
export class FitJob {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Up to `budget` resamples; JSON of the Progress.
     */
    advance(budget: number): string;
    constructor(rows: string, options: string);
    /**
     * JSON of the FitReport, once finished.
     */
    result(): string;
}

/**
 * `C = A B` on buffers allocated once; JavaScript times `run`.
 */
export class GemmBench {
    free(): void;
    [Symbol.dispose](): void;
    flops(): number;
    constructor(m: number, n: number, k: number, dtype: string, threads: number);
    run(reps: number): number;
    threads(): number;
}

/**
 * Eq. 10 (and Figure 6) over a whole labelled set as a job: `advance` until finished (a unit is one image; whole classes per call), then `scores` and `frobenius`.
 */
export class InfluenceJob {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Up to `budget` images (whole classes, at least one); JSON of the Progress.
     */
    advance(budget: number): string;
    /**
     * The number of classes K.
     */
    classes(): number;
    /**
     * JSON array of the ClassInfo of the classes scored, from the `from`-th scored on.
     */
    classesFrom(from: number): string;
    /**
     * JSON of the FrobeniusSummary, once finished (influence.frobenius on).
     */
    frobenius(): string;
    constructor(config: string, bytes: Uint8Array | null | undefined, floats: Float32Array | null | undefined, labels: Int32Array, threads: number);
    /**
     * The next class to score, or -1 when none is left.
     */
    nextClass(): number;
    /**
     * One score per image (0 for classes not scored yet).
     */
    scores(): Float64Array;
}

/**
 * Eq. 10 class by class, so JavaScript can report progress and stop between classes.
 */
export class InfluenceRun {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * The scores of class `cls` from its `n` images (bytes or floats).
     */
    addClass(cls: number, bytes: Uint8Array | null | undefined, floats: Float32Array | null | undefined, n: number): RawClassScores;
    /**
     * JSON of the FrobeniusSummary.
     */
    frobenius(): string;
    constructor(config: string, pixel_std: Float64Array | null | undefined, threads: number);
    /**
     * A class scored in another instance: its `n` images' scatter (from takeScatter).
     */
    setScatter(cls: number, n: number, scatter: Float32Array): void;
    /**
     * Class `cls`'s scatter (d x d), handed over to combine Figure 6 from several instances.
     */
    takeScatter(cls: number): Float32Array;
}

/**
 * One class of an influence run: its scores and (JSON) its ClassInfo.
 */
export class RawClassScores {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * JSON of the ClassInfo.
     */
    info: string;
    scores: Float64Array;
}

/**
 * A generated dataset (arrays row-major; x is n x 2 x d) and the model's description (JSON).
 */
export class RawDataset {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    description: string;
    features: Float32Array;
    get noiseFactors(): Float32Array | undefined;
    set noiseFactors(value: Float32Array | null | undefined);
    testPos: Uint8Array;
    testX: Float32Array;
    testY: Int32Array;
    trainPos: Uint8Array;
    trainX: Float32Array;
    trainY: Int32Array;
}

export class RawLossGradient {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    grad: Float32Array;
    loss: number;
}

/**
 * What a finished (or stopped) training holds.
 */
export class RawTrainOutput {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * JSON of the EvalRecords.
     */
    history: string;
    initialWeights: Float32Array;
    kappaCurve: Float64Array;
    logitSums: Float64Array;
    lossCurve: Float64Array;
    /**
     * JSON of the Summary.
     */
    summary: string;
    weights: Float32Array;
}

/**
 * Theorem 1 (and a run's lemmas) as a job: `advance` until finished, then `result`.
 */
export class TheoryJob {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Up to `budget` units of work; JSON of the Progress.
     */
    advance(budget: number): string;
    constructor(config: string, options: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, run: object | null | undefined, threads: number);
    /**
     * The report (with `lemmas` for a run) as JSON, once finished.
     */
    result(): string;
}

/**
 * A training run, a job: `advance` until finished, then `finish`.
 */
export class Trainer {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Up to `budget` steps; JSON of the Progress after them.
     */
    advance(budget: number): string;
    /**
     * A final evaluation, and everything the training holds.
     */
    finish(): RawTrainOutput;
    flopsPerStep(): number;
    /**
     * JSON of the EvalRecords so far.
     */
    history(): string;
    constructor(config: string, input: object);
}

/**
 * Several trainings on the same data (a job); members come out as Trainers.
 */
export class TrainerGroup {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Up to `budget` steps of every running member; JSON of the Progress (steps summed).
     */
    advance(budget: number): string;
    /**
     * `configs`: a JSON array of train configs.
     */
    constructor(configs: string, input: object);
    /**
     * Member `index` as a Trainer (throws the error it failed with, if it did).
     */
    take(index: number): Trainer;
}

/**
 * Boundary probe: an array in (borrowed on native, copied on wasm).
 */
export function boundaryIn(x: Float32Array): number;

/**
 * Boundary probe: an array made and dropped inside.
 */
export function boundaryMake(len: number): number;

/**
 * Boundary probe: an array out (handed over on native, copied on wasm).
 */
export function boundaryOut(len: number): Float32Array;

/**
 * `8 * iters` dependent additions (the clock of the core).
 */
export function clockProbe(iters: number): number;

/**
 * The JSON Schema of every config section, as the Rust declarations give it.
 */
export function configSchemas(): string;

/**
 * Loss, accuracy and per-class accuracy of W on labelled samples (JSON of the Evaluation).
 */
export function evaluate(weights: Float32Array, classes: number, width: number, dim: number, x: Float32Array, y: Int32Array, threads: number): string;

/**
 * The data of §2 / §5.1 from a resolved data config.
 */
export function generate(config: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, include_factors: boolean, threads: number): RawDataset;

/**
 * The class count K of a labelled set (`classes` 0: the largest label + 1), checked as InfluenceJob checks it.
 */
export function influenceClasses(labels: Int32Array, classes: number): number;

/**
 * What the kernels run with (JSON).
 */
export function kernelInfo(): string;

export function lastPanic(): string | undefined;

/**
 * Error on L-long-tailed test data (Definition 1) for each L: JSON.
 */
export function longTailed(config: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, weights: Float32Array, width: number, x: Float32Array, y: Int32Array, pos: Uint8Array, ls: Float64Array, threads: number): string;

/**
 * Per-pixel standard deviation over all images (normalize "standardize").
 */
export function pixelStd(bytes: Uint8Array | null | undefined, floats: Float32Array | null | undefined, n: number, d: number, threads: number): Float64Array;

/**
 * Logits (n x K) of samples x (n x 2 x d) under weights W ((K*m) x d).
 */
export function predict(weights: Float32Array, classes: number, width: number, dim: number, x: Float32Array, threads: number): Float64Array;

/**
 * The seeded order in which Figure 7 removes tied examples.
 */
export function removalOrder(seed: number, n: number): Uint32Array;

/**
 * Check a config section ("data", "train", ...) and fill its defaults: the resolved JSON.
 */
export function resolveConfig(section: string, json: string): string;

export function start(): void;

/**
 * Theorem 1 / Condition 1 before training: the report as JSON.
 */
export function theory(config: string, options: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, threads: number): string;

/**
 * Phase boundaries in a sweep plane: the BoundaryReport as JSON.
 */
export function theoryBoundaries(options: string): string;

/**
 * Fit c1, c2 to sweep rows (JSON): the FitReport as JSON.
 */
export function theoryFit(rows: string, options: string): string;

/**
 * Theorem 1 plus Lemmas 3-7 of a trained run: the report with `lemmas`, as JSON.
 */
export function theoryLemmas(config: string, options: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, run: object, threads: number): string;

/**
 * JSON of the VersionInfo.
 */
export function version(): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_classifiertrainer_free: (a: number, b: number) => void;
    readonly __wbg_fitjob_free: (a: number, b: number) => void;
    readonly __wbg_gemmbench_free: (a: number, b: number) => void;
    readonly __wbg_get_rawclassscores_info: (a: number) => [number, number];
    readonly __wbg_get_rawclassscores_scores: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_description: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_features: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_noiseFactors: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_testPos: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_testX: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_testY: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_trainPos: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_trainX: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_trainY: (a: number) => [number, number];
    readonly __wbg_get_rawlossgradient_loss: (a: number) => number;
    readonly __wbg_get_rawtrainoutput_history: (a: number) => [number, number];
    readonly __wbg_get_rawtrainoutput_initialWeights: (a: number) => [number, number];
    readonly __wbg_get_rawtrainoutput_kappaCurve: (a: number) => [number, number];
    readonly __wbg_get_rawtrainoutput_logitSums: (a: number) => [number, number];
    readonly __wbg_get_rawtrainoutput_lossCurve: (a: number) => [number, number];
    readonly __wbg_get_rawtrainoutput_summary: (a: number) => [number, number];
    readonly __wbg_influencejob_free: (a: number, b: number) => void;
    readonly __wbg_influencerun_free: (a: number, b: number) => void;
    readonly __wbg_rawclassscores_free: (a: number, b: number) => void;
    readonly __wbg_rawdataset_free: (a: number, b: number) => void;
    readonly __wbg_rawlossgradient_free: (a: number, b: number) => void;
    readonly __wbg_rawtrainoutput_free: (a: number, b: number) => void;
    readonly __wbg_set_rawclassscores_info: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawclassscores_scores: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_description: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_features: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_noiseFactors: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_testPos: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_testX: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_testY: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_trainPos: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_trainX: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_trainY: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawlossgradient_grad: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawlossgradient_loss: (a: number, b: number) => void;
    readonly __wbg_set_rawtrainoutput_history: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawtrainoutput_initialWeights: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawtrainoutput_kappaCurve: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawtrainoutput_logitSums: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawtrainoutput_lossCurve: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawtrainoutput_summary: (a: number, b: number, c: number) => void;
    readonly __wbg_theoryjob_free: (a: number, b: number) => void;
    readonly __wbg_trainer_free: (a: number, b: number) => void;
    readonly __wbg_trainergroup_free: (a: number, b: number) => void;
    readonly boundaryIn: (a: number, b: number) => [number, number, number];
    readonly boundaryMake: (a: number) => [number, number, number];
    readonly boundaryOut: (a: number) => [number, number, number, number];
    readonly classifiertrainer_advance: (a: number, b: number) => [number, number, number, number];
    readonly classifiertrainer_dropTrainingData: (a: number) => [number, number];
    readonly classifiertrainer_evaluate: (a: number, b: number, c: number, d: number, e: number) => [number, number, number, number];
    readonly classifiertrainer_info: (a: number) => [number, number, number, number];
    readonly classifiertrainer_lossAndGradient: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly classifiertrainer_new: (a: number, b: number, c: number) => [number, number, number];
    readonly classifiertrainer_params: (a: number) => [number, number, number, number];
    readonly classifiertrainer_predict: (a: number, b: number, c: number) => [number, number, number, number];
    readonly classifiertrainer_run: (a: number, b: number) => [number, number, number, number];
    readonly classifiertrainer_setParams: (a: number, b: number, c: number) => [number, number];
    readonly classifiertrainer_setTrainingData: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly clockProbe: (a: number) => [number, number, number];
    readonly configSchemas: () => [number, number, number, number];
    readonly evaluate: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number, number, number];
    readonly fitjob_advance: (a: number, b: number) => [number, number, number, number];
    readonly fitjob_new: (a: number, b: number, c: number, d: number) => [number, number, number];
    readonly fitjob_result: (a: number) => [number, number, number, number];
    readonly gemmbench_flops: (a: number) => [number, number, number];
    readonly gemmbench_new: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
    readonly gemmbench_run: (a: number, b: number) => [number, number, number];
    readonly gemmbench_threads: (a: number) => [number, number, number];
    readonly generate: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
    readonly influenceClasses: (a: number, b: number, c: number) => [number, number, number];
    readonly influencejob_advance: (a: number, b: number) => [number, number, number, number];
    readonly influencejob_classes: (a: number) => [number, number, number];
    readonly influencejob_classesFrom: (a: number, b: number) => [number, number, number, number];
    readonly influencejob_frobenius: (a: number) => [number, number, number, number];
    readonly influencejob_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => [number, number, number];
    readonly influencejob_nextClass: (a: number) => [number, number, number];
    readonly influencejob_scores: (a: number) => [number, number, number, number];
    readonly influencerun_addClass: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number];
    readonly influencerun_frobenius: (a: number) => [number, number, number, number];
    readonly influencerun_new: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly influencerun_setScatter: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly influencerun_takeScatter: (a: number, b: number) => [number, number, number, number];
    readonly kernelInfo: () => [number, number, number, number];
    readonly lastPanic: () => [number, number];
    readonly longTailed: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => [number, number, number, number];
    readonly pixelStd: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number, number];
    readonly predict: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number, number];
    readonly removalOrder: (a: number, b: number) => [number, number, number, number];
    readonly resolveConfig: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly theory: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => [number, number, number, number];
    readonly theoryBoundaries: (a: number, b: number) => [number, number, number, number];
    readonly theoryFit: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly theoryLemmas: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: any, j: number) => [number, number, number, number];
    readonly theoryjob_advance: (a: number, b: number) => [number, number, number, number];
    readonly theoryjob_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number, number];
    readonly theoryjob_result: (a: number) => [number, number, number, number];
    readonly trainer_advance: (a: number, b: number) => [number, number, number, number];
    readonly trainer_finish: (a: number) => [number, number, number];
    readonly trainer_flopsPerStep: (a: number) => [number, number, number];
    readonly trainer_history: (a: number) => [number, number, number, number];
    readonly trainer_new: (a: number, b: number, c: any) => [number, number, number];
    readonly trainergroup_advance: (a: number, b: number) => [number, number, number, number];
    readonly trainergroup_new: (a: number, b: number, c: any) => [number, number, number];
    readonly trainergroup_take: (a: number, b: number) => [number, number, number];
    readonly version: () => [number, number, number, number];
    readonly __wbg_set_rawtrainoutput_weights: (a: number, b: number, c: number) => void;
    readonly __wbg_get_rawlossgradient_grad: (a: number) => [number, number];
    readonly __wbg_get_rawtrainoutput_weights: (a: number) => [number, number];
    readonly start: () => void;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
