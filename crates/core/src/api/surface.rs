//! The binding surface, declared once. Each shim (crates/node: napi-rs, crates/wasm: wasm-bindgen)
//! expands [`binding_surface!`] with its own `export!` macro, which only adds its attributes, its
//! array types and its error mapping; the names, arguments, docs and bodies below are the same on
//! both backends. JavaScript names are written here as JavaScript sees them (camelCase).
//!
//! - `objects_in`: plain objects JavaScript passes in; `view` turns the fields into core types.
//! - `objects_out`: plain objects (napi) or classes with getters (wasm) handed back.
//! - `functions`: each body returns `Result<T>`; the shim converts `T` (`Vec<f32>` into
//!   `Float32Array` and so on) and the error.
//! - `classes`: a core type behind a JavaScript class (`self.inner`), its constructor and methods;
//!   a `native { ... }` block holds methods only the native addon offers (they borrow JavaScript
//!   memory, which a wasm call would copy).
//!
//! The array types named here (`Float32Array`, ...) are napi-rs's on native and `Vec`s on wasm;
//! `threads` goes through [`crate::api::threads`] (one thread without the `parallel` feature).
//!
//! Docs inside the macro are `#[doc = "..."]`, not `///`: a `///` inside `macro_rules!` becomes a
//! raw string (`r"..."`), which napi-rs and wasm-bindgen copy into their .d.ts with the `r`.

/// Expands `$export! { objects_in {..} objects_out {..} functions {..} classes {..} }`.
#[macro_export]
macro_rules! binding_surface {
    ($export:ident) => {
        $export! {
            objects_in {
                #[doc = "A training set, as one object (the arrays of ts/types.ts `TrainData`)."]
                RawTrainInput {
                    #[doc = "The resolved data config that generated the arrays (JSON), if any."]
                    dataConfig: Option<String>,
                    classes: u32,
                    dim: u32,
                    trainX: Float32Array,
                    trainY: Int32Array,
                    trainPos: Option<Uint8Array>,
                    features: Option<Float32Array>,
                    testX: Option<Float32Array>,
                    testY: Option<Int32Array>,
                    testPos: Option<Uint8Array>,
                } view(&self) -> $crate::api::TrainData<'_> {
                    $crate::api::TrainData {
                        data_config: self.dataConfig.as_deref(),
                        classes: self.classes as usize,
                        dim: self.dim as usize,
                        train_x: &self.trainX,
                        train_y: &self.trainY,
                        train_pos: self.trainPos.as_deref(),
                        features: self.features.as_deref(),
                        test_x: self.testX.as_deref(),
                        test_y: self.testY.as_deref(),
                        test_pos: self.testPos.as_deref(),
                    }
                }
                #[doc = "The arrays of a trained run (optional ones may be left out)."]
                RawRun {
                    weights: Float32Array,
                    weightsInit: Option<Float32Array>,
                    trainX: Float32Array,
                    trainY: Int32Array,
                    trainPos: Uint8Array,
                    logitSums: Option<Float64Array>,
                    kappa: Option<Float64Array>,
                    testX: Option<Float32Array>,
                    testY: Option<Int32Array>,
                    testPos: Option<Uint8Array>,
                } view(&self) -> $crate::api::OwnedRun {
                    $crate::api::OwnedRun {
                        weights: self.weights.to_vec(),
                        weights_init: self.weightsInit.as_deref().map(<[f32]>::to_vec),
                        train_x: self.trainX.to_vec(),
                        train_y: self.trainY.to_vec(),
                        train_pos: self.trainPos.to_vec(),
                        logit_sums: self.logitSums.as_deref().map(<[f64]>::to_vec),
                        kappa: self.kappa.as_deref().map(<[f64]>::to_vec),
                        test_x: self.testX.as_deref().map(<[f32]>::to_vec),
                        test_y: self.testY.as_deref().map(<[i32]>::to_vec),
                        test_pos: self.testPos.as_deref().map(<[u8]>::to_vec),
                    }
                }
            }
            objects_out {
                #[doc = "A generated dataset (arrays row-major; x is n x 2 x d) and the model's description (JSON)."]
                RawDataset {
                    trainX: Float32Array,
                    trainY: Int32Array,
                    trainPos: Uint8Array,
                    testX: Float32Array,
                    testY: Int32Array,
                    testPos: Uint8Array,
                    features: Float32Array,
                    noiseFactors: Option<Float32Array>,
                    description: String,
                }
                #[doc = "What a finished (or stopped) training holds."]
                RawTrainOutput {
                    #[doc = "JSON of the Summary."]
                    summary: String,
                    weights: Float32Array,
                    initialWeights: Float32Array,
                    #[doc = "JSON of the EvalRecords."]
                    history: String,
                    lossCurve: Float64Array,
                    logitSums: Float64Array,
                    kappaCurve: Float64Array,
                }
                #[doc = "One class of an influence run: its scores and (JSON) its ClassInfo."]
                RawClassScores {
                    scores: Float64Array,
                    #[doc = "JSON of the ClassInfo."]
                    info: String,
                }
                RawLossGradient {
                    loss: f64,
                    grad: Float32Array,
                }
            }
            functions {
                #[doc = "JSON of the VersionInfo."]
                fn version() -> String {
                    Ok($crate::api::to_json(&$crate::api::version()))
                }
                #[doc = "Check a config section (\"data\", \"train\", ...) and fill its defaults: the resolved JSON."]
                fn resolveConfig(section: String, json: String) -> String {
                    $crate::api::resolve_config(&section, &json)
                }
                #[doc = "The JSON Schema of every config section, as the Rust declarations give it."]
                fn configSchemas() -> String {
                    Ok($crate::api::config_schemas())
                }
                #[doc = "The data of §2 / §5.1 from a resolved data config."]
                fn generate(config: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, include_factors: bool, threads: u32) -> RawDataset {
                    let g = $crate::api::generate(&config, features.as_deref(), noise_factors.as_deref(), include_factors, $crate::api::threads(threads))?;
                    let ds = g.dataset;
                    Ok(RawDataset {
                        trainX: ds.train_x.into(),
                        trainY: ds.train_y.into(),
                        trainPos: ds.train_pos.into(),
                        testX: ds.test_x.into(),
                        testY: ds.test_y.into(),
                        testPos: ds.test_pos.into(),
                        features: ds.features.into(),
                        noiseFactors: g.noise_factors.map(Into::into),
                        description: g.description,
                    })
                }
                #[doc = "Logits (n x K) of samples x (n x 2 x d) under weights W ((K*m) x d)."]
                fn predict(weights: Float32Array, classes: u32, width: u32, dim: u32, x: Float32Array, threads: u32) -> Float64Array {
                    $crate::api::predict(&weights, classes as usize, width as usize, dim as usize, &x, $crate::api::threads(threads))
                }
                #[doc = "Loss, accuracy and per-class accuracy of W on labelled samples (JSON of the Evaluation)."]
                fn evaluate(weights: Float32Array, classes: u32, width: u32, dim: u32, x: Float32Array, y: Int32Array, threads: u32) -> String {
                    let t = $crate::api::threads(threads);
                    $crate::api::evaluate(&weights, classes as usize, width as usize, dim as usize, &x, &y, t).map(|e| $crate::api::to_json(&e))
                }
                #[doc = "Theorem 1 / Condition 1 before training: the report as JSON."]
                fn theory(config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, threads: u32) -> String {
                    $crate::api::theory(&config, &options, features.as_deref(), noise_factors.as_deref(), $crate::api::threads(threads))
                }
                #[doc = "Theorem 1 plus Lemmas 3-7 of a trained run: the report with `lemmas`, as JSON."]
                fn theoryLemmas(config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, run: RawRun, threads: u32) -> String {
                    let run = run.read()?.view();
                    $crate::api::theory_lemmas(&config, &options, features.as_deref(), noise_factors.as_deref(), run, $crate::api::threads(threads))
                }
                #[doc = "Error on L-long-tailed test data (Definition 1) for each L: JSON."]
                fn longTailed(config: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, weights: Float32Array, width: u32, x: Float32Array, y: Int32Array, pos: Uint8Array, ls: Float64Array, threads: u32) -> String {
                    let t = $crate::api::threads(threads);
                    $crate::api::long_tailed(&config, features.as_deref(), noise_factors.as_deref(), &weights, width as usize, &x, &y, &pos, &ls, t)
                }
                #[doc = "Fit c1, c2 to sweep rows (JSON): the FitReport as JSON."]
                fn theoryFit(rows: String, options: String) -> String {
                    $crate::api::theory_fit(&rows, &options)
                }
                #[doc = "Phase boundaries in a sweep plane: the BoundaryReport as JSON."]
                fn theoryBoundaries(options: String) -> String {
                    $crate::api::theory_boundaries(&options)
                }
                #[doc = "Per-pixel standard deviation over all images (normalize \"standardize\")."]
                fn pixelStd(bytes: Option<Uint8Array>, floats: Option<Float32Array>, n: u32, d: u32, threads: u32) -> Float64Array {
                    $crate::api::pixel_std_of(bytes.as_deref(), floats.as_deref(), n as usize, d as usize, $crate::api::threads(threads))
                }
                #[doc = "The class count K of a labelled set (`classes` 0: the largest label + 1), checked as InfluenceJob checks it."]
                fn influenceClasses(labels: Int32Array, classes: u32) -> u32 {
                    $crate::api::influence_classes(&labels, classes)
                }
                #[doc = "The seeded order in which Figure 7 removes tied examples."]
                fn removalOrder(seed: f64, n: u32) -> Uint32Array {
                    $crate::api::removal_order(seed, n as usize)
                }
                #[doc = "Boundary probe: an array in (borrowed on native, copied on wasm)."]
                fn boundaryIn(x: Float32Array) -> f64 {
                    Ok($crate::api::perf::checksum(&x))
                }
                #[doc = "Boundary probe: an array out (handed over on native, copied on wasm)."]
                fn boundaryOut(len: u32) -> Float32Array {
                    $crate::api::perf::filled(len as usize)
                }
                #[doc = "Boundary probe: an array made and dropped inside."]
                fn boundaryMake(len: u32) -> f64 {
                    $crate::api::perf::made(len as usize)
                }
                #[doc = "`8 * iters` dependent additions (the clock of the core)."]
                fn clockProbe(iters: u32) -> f64 {
                    Ok($crate::api::perf::clock_probe(iters as u64) as f64)
                }
                #[doc = "What the kernels run with (JSON)."]
                fn kernelInfo() -> String {
                    Ok($crate::api::to_json(&$crate::api::perf::kernel_info()))
                }
            }
            classes {
                #[doc = "A training run, a job: `advance` until finished, then `finish`."]
                Trainer($crate::api::Trainer) {
                    new(config: String, input: RawTrainInput) {
                        $crate::api::trainer(&config, &input.read()?.view())
                    }
                    #[doc = "Up to `budget` steps; JSON of the Progress after them."]
                    fn advance(&mut self, budget: u32) -> String {
                        $crate::api::Job::advance(&mut self.inner, budget as usize).map(|p| $crate::api::to_json(&p))
                    }
                    #[doc = "JSON of the EvalRecords so far."]
                    fn history(&mut self) -> String {
                        Ok($crate::api::history_json(&self.inner))
                    }
                    fn flopsPerStep(&mut self) -> f64 {
                        Ok(self.inner.flops_per_step())
                    }
                    #[doc = "A final evaluation, and everything the training holds."]
                    fn finish(&mut self) -> RawTrainOutput {
                        let o = $crate::api::finish_training(&mut self.inner)?;
                        Ok(RawTrainOutput {
                            summary: o.summary,
                            weights: o.weights.into(),
                            initialWeights: o.initial_weights.into(),
                            history: o.history,
                            lossCurve: o.loss_curve.into(),
                            logitSums: o.logit_sums.into(),
                            kappaCurve: o.kappa_curve.into(),
                        })
                    }
                } native {}
                #[doc = "Several trainings on the same data (a job); members come out as Trainers."]
                TrainerGroup($crate::api::TrainerGroup) {
                    #[doc = "`configs`: a JSON array of train configs."]
                    new(configs: String, input: RawTrainInput) {
                        $crate::api::trainer_group(&configs, &input.read()?.view())
                    }
                    #[doc = "Up to `budget` steps of every running member; JSON of the Progress (steps summed)."]
                    fn advance(&mut self, budget: u32) -> String {
                        $crate::api::Job::advance(&mut self.inner, budget as usize).map(|p| $crate::api::to_json(&p))
                    }
                    #[doc = "Member `index` as a Trainer (throws the error it failed with, if it did)."]
                    fn take(&mut self, index: u32) -> Trainer {
                        self.inner.take(index as usize).map(|inner| Trainer { inner })
                    }
                } native {}
                #[doc = "Theorem 1 (and a run's lemmas) as a job: `advance` until finished, then `result`."]
                TheoryJob($crate::api::TheoryJob) {
                    new(config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, run: Option<RawRun>, threads: u32) {
                        let run = match run {
                            Some(r) => Some(r.read()?.view()),
                            None => None,
                        };
                        $crate::api::theory_job(&config, &options, features.as_deref(), noise_factors.as_deref(), run, $crate::api::threads(threads))
                    }
                    #[doc = "Up to `budget` units of work; JSON of the Progress."]
                    fn advance(&mut self, budget: u32) -> String {
                        $crate::api::Job::advance(&mut self.inner, budget as usize).map(|p| $crate::api::to_json(&p))
                    }
                    #[doc = "The report (with `lemmas` for a run) as JSON, once finished."]
                    fn result(&mut self) -> String {
                        self.inner.result_json()
                    }
                } native {}
                #[doc = "The fit of Theorem 1's rates c1, c2 to sweep rows as a job: `advance` until finished (a unit is one bootstrap resample), then `result`."]
                FitJob($crate::api::FitJob) {
                    new(rows: String, options: String) {
                        $crate::api::fit_job(&rows, &options)
                    }
                    #[doc = "Up to `budget` resamples; JSON of the Progress."]
                    fn advance(&mut self, budget: u32) -> String {
                        $crate::api::Job::advance(&mut self.inner, budget as usize).map(|p| $crate::api::to_json(&p))
                    }
                    #[doc = "JSON of the FitReport, once finished."]
                    fn result(&mut self) -> String {
                        self.inner.result().map(|r| $crate::api::to_json(&r))
                    }
                } native {}
                #[doc = "Eq. 10 class by class, so JavaScript can report progress and stop between classes."]
                InfluenceRun($crate::api::InfluenceRun) {
                    new(config: String, pixel_std: Option<Float64Array>, threads: u32) {
                        $crate::api::influence_run(&config, pixel_std.as_deref(), $crate::api::threads(threads))
                    }
                    #[doc = "The scores of class `cls` from its `n` images (bytes or floats)."]
                    fn addClass(&mut self, cls: u32, bytes: Option<Uint8Array>, floats: Option<Float32Array>, n: u32) -> RawClassScores {
                        let r = self.inner.add_class(cls as usize, $crate::api::pixels(bytes.as_deref(), floats.as_deref())?, n as usize)?;
                        Ok(RawClassScores { scores: r.scores.into(), info: $crate::api::to_json(&r.info) })
                    }
                    #[doc = "Class `cls`'s scatter (d x d), handed over to combine Figure 6 from several instances."]
                    fn takeScatter(&mut self, cls: u32) -> Float32Array {
                        self.inner.take_scatter(cls as usize)
                    }
                    #[doc = "A class scored in another instance: its `n` images' scatter (from takeScatter)."]
                    fn setScatter(&mut self, cls: u32, n: u32, scatter: Float32Array) -> () {
                        self.inner.set_scatter(cls as usize, n as usize, scatter.to_vec())
                    }
                    #[doc = "JSON of the FrobeniusSummary."]
                    fn frobenius(&mut self) -> String {
                        self.inner.frobenius().map(|f| $crate::api::to_json(&f))
                    }
                } native {}
                #[doc = "Eq. 10 (and Figure 6) over a whole labelled set as a job: `advance` until finished (a unit is one image; whole classes per call), then `scores` and `frobenius`."]
                InfluenceJob($crate::api::InfluenceJob) {
                    new(config: String, bytes: Option<Uint8Array>, floats: Option<Float32Array>, labels: Int32Array, threads: u32) {
                        $crate::api::influence_job(&config, bytes.as_deref(), floats.as_deref(), &labels, $crate::api::threads(threads))
                    }
                    #[doc = "Up to `budget` images (whole classes, at least one); JSON of the Progress."]
                    fn advance(&mut self, budget: u32) -> String {
                        $crate::api::Job::advance(&mut self.inner, budget as usize).map(|p| $crate::api::to_json(&p))
                    }
                    #[doc = "The next class to score, or -1 when none is left."]
                    fn nextClass(&mut self) -> i32 {
                        Ok(self.inner.next_class().map_or(-1, |(c, _)| c as i32))
                    }
                    #[doc = "JSON array of the ClassInfo of the classes scored, from the `from`-th scored on."]
                    fn classesFrom(&mut self, from: u32) -> String {
                        Ok($crate::api::to_json(&self.inner.classes_from(from as usize)))
                    }
                    #[doc = "One score per image (0 for classes not scored yet)."]
                    fn scores(&mut self) -> Float64Array {
                        Ok(self.inner.scores().to_vec())
                    }
                    #[doc = "The number of classes K."]
                    fn classes(&mut self) -> u32 {
                        Ok(self.inner.classes() as u32)
                    }
                    #[doc = "JSON of the FrobeniusSummary, once finished (influence.frobenius on)."]
                    fn frobenius(&mut self) -> String {
                        self.inner.frobenius().map(|f| $crate::api::to_json(&f))
                    }
                } native {}
                #[doc = "A LeNet-5 / small CIFAR classifier and its SGD state."]
                ClassifierTrainer($crate::api::ClassifierTrainer) {
                    new(config: String, threads: u32) {
                        $crate::api::classifier(&config, $crate::api::threads(threads))
                    }
                    fn setTrainingData(&mut self, images: Float32Array, labels: Int32Array) -> () {
                        self.inner.set_training_data(&images, &labels)
                    }
                    fn dropTrainingData(&mut self) -> () {
                        Ok(self.inner.drop_training_data())
                    }
                    #[doc = "Up to `budget` SGD steps, never past an epoch's end; JSON of the Progress (loss and accuracy: the epoch's so far)."]
                    fn advance(&mut self, budget: u32) -> String {
                        $crate::api::Job::advance(&mut self.inner, budget as usize).map(|p| $crate::api::to_json(&p))
                    }
                    #[doc = "Up to `batches` SGD steps; JSON of the RunStats."]
                    fn run(&mut self, batches: u32) -> String {
                        self.inner.run(batches as usize).map(|s| $crate::api::to_json(&s))
                    }
                    #[doc = "JSON of the EvalStats."]
                    fn evaluate(&mut self, images: Float32Array, labels: Int32Array) -> String {
                        self.inner.evaluate(&images, &labels).map(|s| $crate::api::to_json(&s))
                    }
                    fn predict(&mut self, images: Float32Array) -> Float32Array {
                        self.inner.predict(&images)
                    }
                    fn lossAndGradient(&mut self, images: Float32Array, labels: Int32Array) -> RawLossGradient {
                        let (loss, grad) = self.inner.loss_and_gradient(&images, &labels)?;
                        Ok(RawLossGradient { loss, grad: grad.into() })
                    }
                    fn params(&mut self) -> Float32Array {
                        Ok(self.inner.params().to_vec())
                    }
                    fn setParams(&mut self, params: Float32Array) -> () {
                        self.inner.set_params(&params)
                    }
                    #[doc = "JSON of the ClassifierInfo."]
                    fn info(&mut self) -> String {
                        Ok($crate::api::to_json(&self.inner.info()))
                    }
                } native {}
                #[doc = "`C = A B` on buffers allocated once; JavaScript times `run`."]
                GemmBench($crate::api::perf::GemmBench) {
                    new(m: u32, n: u32, k: u32, dtype: String, threads: u32) {
                        $crate::api::perf::GemmBench::new(m as usize, n as usize, k as usize, &dtype, $crate::api::threads(threads))
                    }
                    fn run(&mut self, reps: u32) -> f64 {
                        Ok(self.inner.run(reps as usize))
                    }
                    fn flops(&mut self) -> f64 {
                        Ok(self.inner.flops())
                    }
                    fn threads(&mut self) -> u32 {
                        Ok(self.inner.threads() as u32)
                    }
                } native {}
            }
        }
    };
}
