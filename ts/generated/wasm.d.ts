/* tslint:disable */
/* eslint-disable */

/**
 * A LeNet-5 / small CIFAR classifier and its SGD state (benignfit_core::cnn::Trainer). Call
 * `free()` when done: wasm memory is not garbage collected.
 */
export class ClassifierTrainer {
    free(): void;
    [Symbol.dispose](): void;
    dropTrainingData(): void;
    evaluate(images: Float32Array, labels: Int32Array): string;
    info(): string;
    lossAndGradient(images: Float32Array, labels: Int32Array): RawLossGradient;
    constructor(config: string, _threads: number);
    params(): Float32Array;
    predict(images: Float32Array): Float32Array;
    run(batches: number): string;
    setParams(params: Float32Array): void;
    setTrainingData(images: Float32Array, labels: Int32Array): void;
}

/**
 * `C = A B` on buffers allocated once; JavaScript times `run` (the GEMM peak of the benchmarks).
 */
export class GemmBench {
    free(): void;
    [Symbol.dispose](): void;
    flops(): number;
    constructor(m: number, n: number, k: number, dtype: string, _threads: number);
    /**
     * Run the product `reps` times; returns one element of C.
     */
    run(reps: number): number;
    threads(): number;
}

export class InfluenceRun {
    free(): void;
    [Symbol.dispose](): void;
    addClass(cls: number, bytes: Uint8Array | null | undefined, floats: Float32Array | null | undefined, n: number): RawClassScores;
    frobenius(): string;
    constructor(config: string, pixel_std: Float64Array | null | undefined, _threads: number);
}

export class RawClassScores {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * JSON of `ClassInfo`.
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
 * Theorem 1 (and a run's lemmas) in units of work, so JavaScript can report progress and stop.
 */
export class TheoryJob {
    free(): void;
    [Symbol.dispose](): void;
    done(): number;
    constructor(config: string, options: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, run: object | null | undefined, _threads: number);
    /**
     * The report (with `lemmas` for a run) as JSON, once `run` returned true.
     */
    result(): string;
    /**
     * Run up to `units` units of work; true when complete.
     */
    run(units: number): boolean;
    total(): number;
}

/**
 * A training run driven in chunks from JavaScript (progress and cancellation between chunks).
 */
export class Trainer {
    free(): void;
    [Symbol.dispose](): void;
    done(): boolean;
    evaluate(): string;
    finish(): string;
    flopsPerStep(): number;
    history(): string;
    initialWeights(): Float32Array;
    kappaCurve(): Float64Array;
    lastLoss(): number;
    logitSums(): Float64Array;
    lossCurve(): Float64Array;
    constructor(config: string, data_config: string | null | undefined, classes: number, dim: number, x: Float32Array, y: Int32Array, pos?: Uint8Array | null, features?: Float32Array | null, test_x?: Float32Array | null, test_y?: Int32Array | null, test_pos?: Uint8Array | null);
    run(max_steps: number): number;
    step(): number;
    totalSteps(): number;
    weights(): Float32Array;
}

/**
 * Several trainings on the same data (core `TrainerGroup`): the data, G and the test Gram matrix
 * made once, narrow full-batch members stepped together. Members come out as Trainers.
 */
export class TrainerGroup {
    free(): void;
    [Symbol.dispose](): void;
    done(): boolean;
    /**
     * `configs`: a JSON array of resolved train configs; the other arguments as for Trainer.
     */
    constructor(configs: string, data_config: string | null | undefined, classes: number, dim: number, x: Float32Array, y: Int32Array, pos?: Uint8Array | null, features?: Float32Array | null, test_x?: Float32Array | null, test_y?: Int32Array | null, test_pos?: Uint8Array | null);
    /**
     * [steps taken, steps planned], summed over the members.
     */
    progress(): Float64Array;
    /**
     * Up to `max_steps` steps of every running member; returns the steps taken in all.
     */
    run(max_steps: number): number;
    /**
     * Member `index` as a Trainer (throws the error it failed with, if it did).
     */
    take(index: number): Trainer;
}

/**
 * Boundary probe: an array in (copied into wasm memory), a number out.
 */
export function boundaryIn(x: Float32Array): number;

/**
 * Boundary probe reference: the array made and dropped in the core, a number out.
 */
export function boundaryMake(len: number): number;

/**
 * Boundary probe: a number in, an array of `len` values out (copied out of wasm memory).
 */
export function boundaryOut(len: number): Float32Array;

/**
 * No clock probe in wasm: returns 0.
 */
export function clockProbe(iters: number): number;

/**
 * The JSON Schema of every config section, as the Rust declarations give it.
 */
export function configSchemas(): string;

export function generate(config: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, include_factors: boolean, _threads: number): RawDataset;

/**
 * What the kernels run with (JSON).
 */
export function kernelInfo(): string;

export function lastPanic(): string | undefined;

export function longTailed(config: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, weights: Float32Array, width: number, x: Float32Array, y: Int32Array, pos: Uint8Array, ls: Float64Array, _threads: number): string;

export function pixelStd(bytes: Uint8Array | null | undefined, floats: Float32Array | null | undefined, n: number, d: number, _threads: number): Float64Array;

export function predict(weights: Float32Array, classes: number, width: number, dim: number, x: Float32Array, _threads: number): Float64Array;

export function removalOrder(seed: number, n: number): Uint32Array;

/**
 * Check a config section ("data", "train", ...) and fill its defaults: the resolved JSON.
 */
export function resolveConfig(section: string, json: string): string;

export function start(): void;

export function theory(config: string, options: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, _threads: number): string;

export function theoryBoundaries(options: string): string;

export function theoryFit(rows: string, options: string): string;

export function theoryLemmas(config: string, options: string, features: Float32Array | null | undefined, noise_factors: Float32Array | null | undefined, run: object, _threads: number): string;

export function version(): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_classifiertrainer_free: (a: number, b: number) => void;
    readonly __wbg_gemmbench_free: (a: number, b: number) => void;
    readonly __wbg_get_rawclassscores_info: (a: number) => [number, number];
    readonly __wbg_get_rawclassscores_scores: (a: number) => any;
    readonly __wbg_get_rawdataset_description: (a: number) => [number, number];
    readonly __wbg_get_rawdataset_features: (a: number) => any;
    readonly __wbg_get_rawdataset_noiseFactors: (a: number) => any;
    readonly __wbg_get_rawdataset_testPos: (a: number) => any;
    readonly __wbg_get_rawdataset_testX: (a: number) => any;
    readonly __wbg_get_rawdataset_testY: (a: number) => any;
    readonly __wbg_get_rawdataset_trainPos: (a: number) => any;
    readonly __wbg_get_rawdataset_trainX: (a: number) => any;
    readonly __wbg_get_rawdataset_trainY: (a: number) => any;
    readonly __wbg_get_rawlossgradient_grad: (a: number) => any;
    readonly __wbg_get_rawlossgradient_loss: (a: number) => number;
    readonly __wbg_influencerun_free: (a: number, b: number) => void;
    readonly __wbg_rawclassscores_free: (a: number, b: number) => void;
    readonly __wbg_rawdataset_free: (a: number, b: number) => void;
    readonly __wbg_rawlossgradient_free: (a: number, b: number) => void;
    readonly __wbg_set_rawclassscores_info: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawclassscores_scores: (a: number, b: any) => void;
    readonly __wbg_set_rawdataset_description: (a: number, b: number, c: number) => void;
    readonly __wbg_set_rawdataset_features: (a: number, b: any) => void;
    readonly __wbg_set_rawdataset_noiseFactors: (a: number, b: number) => void;
    readonly __wbg_set_rawdataset_testPos: (a: number, b: any) => void;
    readonly __wbg_set_rawdataset_testX: (a: number, b: any) => void;
    readonly __wbg_set_rawdataset_testY: (a: number, b: any) => void;
    readonly __wbg_set_rawdataset_trainPos: (a: number, b: any) => void;
    readonly __wbg_set_rawdataset_trainX: (a: number, b: any) => void;
    readonly __wbg_set_rawdataset_trainY: (a: number, b: any) => void;
    readonly __wbg_set_rawlossgradient_grad: (a: number, b: any) => void;
    readonly __wbg_set_rawlossgradient_loss: (a: number, b: number) => void;
    readonly __wbg_theoryjob_free: (a: number, b: number) => void;
    readonly __wbg_trainer_free: (a: number, b: number) => void;
    readonly __wbg_trainergroup_free: (a: number, b: number) => void;
    readonly boundaryIn: (a: number, b: number) => number;
    readonly boundaryMake: (a: number) => [number, number, number];
    readonly boundaryOut: (a: number) => [number, number, number];
    readonly classifiertrainer_dropTrainingData: (a: number) => void;
    readonly classifiertrainer_evaluate: (a: number, b: number, c: number, d: number, e: number) => [number, number, number, number];
    readonly classifiertrainer_info: (a: number) => [number, number];
    readonly classifiertrainer_lossAndGradient: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly classifiertrainer_new: (a: number, b: number, c: number) => [number, number, number];
    readonly classifiertrainer_params: (a: number) => [number, number];
    readonly classifiertrainer_predict: (a: number, b: number, c: number) => [number, number, number, number];
    readonly classifiertrainer_run: (a: number, b: number) => [number, number, number, number];
    readonly classifiertrainer_setParams: (a: number, b: number, c: number) => [number, number];
    readonly classifiertrainer_setTrainingData: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly clockProbe: (a: number) => number;
    readonly configSchemas: () => [number, number];
    readonly gemmbench_flops: (a: number) => number;
    readonly gemmbench_new: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
    readonly gemmbench_run: (a: number, b: number) => number;
    readonly gemmbench_threads: (a: number) => number;
    readonly generate: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
    readonly influencerun_addClass: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number];
    readonly influencerun_frobenius: (a: number) => [number, number, number, number];
    readonly influencerun_new: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly kernelInfo: () => [number, number];
    readonly lastPanic: () => [number, number];
    readonly longTailed: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => [number, number, number, number];
    readonly pixelStd: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number];
    readonly predict: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
    readonly removalOrder: (a: number, b: number) => [number, number, number, number];
    readonly resolveConfig: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly theory: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => [number, number, number, number];
    readonly theoryBoundaries: (a: number, b: number) => [number, number, number, number];
    readonly theoryFit: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly theoryLemmas: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: any, j: number) => [number, number, number, number];
    readonly theoryjob_done: (a: number) => number;
    readonly theoryjob_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number, number];
    readonly theoryjob_result: (a: number) => [number, number, number, number];
    readonly theoryjob_run: (a: number, b: number) => [number, number, number];
    readonly theoryjob_total: (a: number) => number;
    readonly trainer_done: (a: number) => number;
    readonly trainer_evaluate: (a: number) => [number, number, number, number];
    readonly trainer_finish: (a: number) => [number, number, number, number];
    readonly trainer_flopsPerStep: (a: number) => number;
    readonly trainer_history: (a: number) => [number, number];
    readonly trainer_initialWeights: (a: number) => any;
    readonly trainer_kappaCurve: (a: number) => any;
    readonly trainer_lastLoss: (a: number) => number;
    readonly trainer_logitSums: (a: number) => any;
    readonly trainer_lossCurve: (a: number) => any;
    readonly trainer_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number) => [number, number, number];
    readonly trainer_run: (a: number, b: number) => [number, number, number];
    readonly trainer_step: (a: number) => number;
    readonly trainer_totalSteps: (a: number) => number;
    readonly trainer_weights: (a: number) => any;
    readonly trainergroup_done: (a: number) => number;
    readonly trainergroup_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number) => [number, number, number];
    readonly trainergroup_progress: (a: number) => [number, number];
    readonly trainergroup_run: (a: number, b: number) => number;
    readonly trainergroup_take: (a: number, b: number) => [number, number, number];
    readonly version: () => [number, number];
    readonly start: () => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
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
