//! Theorem 1, Condition 1 and Lemmas 3–7 of the paper as numbers.
//!
//! Before training, everything follows from the data model (features u_k, noise factors A_k), the
//! class sizes |S_k| and the training hyper-parameters (width m, learning rate eta, sigma0):
//! - the matrix quantities (module [`spectral`]: closed forms or a numerical route);
//! - SNR_k = |S_k|^2 ||u_k||^4 / max_{j!=k} |S_j| ||A_k^T A_j||_F^2 (Statement 2(a));
//! - Gamma_{k,j} = |S_k| ||A_k^T A_k||_F^2 / (|S_j| ||A_k^T A_j||_F^2) (Statement 2(b));
//! - Condition 1 (a), (b), (c) item by item, with both sides and a margin;
//! - the iteration count T of Theorem 1 (without its log factors);
//! - the bounds of Statements 2(a), 2(b) (for each L), the test of Statement 3, and a phase.
//!
//! After training, module [`lemmas`] measures Lemmas 3–7, b(S_k) of eq. 8 and the error on
//! L-long-tailed test data (Definition 1). Module [`fit`] estimates c1, c2 from sweep results;
//! module [`boundaries`] gives the phase boundaries of the §5.1 model in the sweep planes.
//!
//! The absolute constants of the paper have no values there; they are all fields of
//! [`Constants`], with defaults documented on each field and in docs/theory.md.

#![allow(clippy::needless_range_loop)] // index loops over classes read clearer here

pub mod boundaries;
pub mod fit;
pub mod lemmas;
pub mod long_tailed;
pub mod spectral;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::data::{DataConfig, DataModel, ExplicitModel, Factors, NoiseKind};
use crate::error::{check_alloc, Error, Result};
use crate::linalg::Par;
use crate::util;

pub use long_tailed::{long_tailed, LongTailed};
pub use spectral::Spectra;

/// The absolute constants of Condition 1, Theorem 1 and Lemma 5 (JSON names as in the paper).
/// The paper gives no values; the defaults are explained in docs/theory.md.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Constants {
    /// Condition 1's "sufficiently large constant" C, also used for the hidden constant of its
    /// Omega(.). Default 1: the smallest value that keeps "large" meaningful, so an item that
    /// fails at C = 1 fails for every admissible C.
    #[serde(rename = "C")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c: f64,
    /// Statement 2(a) threshold: benign (explicit) when SNR_k >= C1. Default 2.
    #[serde(rename = "C1")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c1_big: f64,
    /// Statement 2(b) threshold: benign (implicit, long-tailed) when min_j Gamma_{k,j} >= C2. Default 2.
    #[serde(rename = "C2")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c2_big: f64,
    /// Statement 3 threshold: harmful when SNR_k <= C3 and min_j Gamma_{k,j} <= C3 (at most
    /// min(C1, C2)). Default 1, the smallest value at which the homogeneous model (Gamma = 1
    /// exactly) can be harmful, as Remark 5 / Kou et al. (2023) require; C3 < C1, C2 leaves the
    /// gray band of Figure 2.
    #[serde(rename = "C3")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c3_big: f64,
    /// Rate in the exponent of the 2(a) bound. Default 1 (fit it with `fit`).
    #[serde(rename = "c1")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c1: f64,
    /// Rate in the exponent of the 2(b) bound. Default 1 (fit it with `fit`).
    #[serde(rename = "c2")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c2: f64,
    /// Statement 3's lower bound on the test error. Default 0.1.
    #[serde(rename = "c3")]
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub c3: f64,
    /// Failure probability of Condition 1 / Theorem 1 (appears in the logs). Default 0.05.
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1))]
    pub delta: f64,
    /// Lemma 5's "sufficiently large" C': own-class noise must excite a class's neurons C' times
    /// more than other classes' noise. Default 1 (the weakest reading).
    #[serde(rename = "Cprime")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c_prime: f64,
}

impl Default for Constants {
    fn default() -> Self {
        Constants { c: 1.0, c1_big: 2.0, c2_big: 2.0, c3_big: 1.0, c1: 1.0, c2: 1.0, c3: 0.1, delta: 0.05, c_prime: 1.0 }
    }
}

impl Constants {
    /// The rule between constants (their bounds are declared above): C3 <= min(C1, C2).
    pub fn check(&self, at: &str) -> Result<()> {
        let lo = self.c1_big.min(self.c2_big);
        if self.c3_big > lo {
            return Err(Error::invalid(
                format!("{at}.C3"),
                crate::config::check::num(self.c3_big),
                format!("a number <= min(C1, C2) = {} (otherwise Statements 2 and 3 overlap)", crate::config::check::num(lo)),
            ));
        }
        Ok(())
    }
}

use crate::model::Init;

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Closed forms where the model has them, the numerical route otherwise.
    #[default]
    Auto,
    /// Closed forms only (an error for explicit factors).
    Closed,
    /// The numerical route on the dense factors, whatever the model.
    Numeric,
}

/// Block power iteration for ||A_k^T A_j||_op (the numerical route).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PowerConfig {
    /// Vectors iterated together.
    #[schemars(range(min = 1, max = 256))]
    pub block: usize,
    /// Relative change at which the iteration stops.
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1))]
    pub tol: f64,
    #[schemars(range(min = 1, max = 1_000_000))]
    pub max_iterations: usize,
}

impl Default for PowerConfig {
    fn default() -> Self {
        PowerConfig { block: 8, tol: 1e-10, max_iterations: 3000 }
    }
}

/// Everything besides the data model that Theorem 1 needs (the `theory` section; all optional).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TheoryOptions {
    /// The absolute constants of Condition 1, Theorem 1 and Lemma 5.
    pub constants: Constants,
    /// m, neurons per class (§5.1: 100).
    #[schemars(range(min = 1, max = 1_000_000))]
    pub width: usize,
    /// eta, the learning rate (§5.1: 0.05).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub lr: f64,
    /// "pytorch" (U(-1/sqrt d, 1/sqrt d): sigma0 = 1/sqrt(3d)) or {"sigma0": s}.
    pub init: Init,
    /// Training steps actually run (log T of Condition 1 and Lemma 3); default: the T of Theorem 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 9_007_199_254_740_991u64))]
    pub steps: Option<u64>,
    /// epsilon of Theorem 1: the training loss T steps reach.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub epsilon: f64,
    /// The L values of Definition 1 / Statement 2(b).
    #[schemars(schema_with = "ls_schema")]
    pub ls: Vec<f64>,
    /// auto: closed forms where the model has them; closed; numeric (dense factors).
    pub method: Method,
    /// Relative rank tolerance (default: numpy's rule, dim * machine epsilon of the input).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1))]
    pub rank_tol: Option<f64>,
    /// Block power iteration for ||A_k^T A_j||_op (numeric route).
    pub power: PowerConfig,
    /// Fresh noise draws per class for Lemmas 4 and 6 (trained runs only).
    #[schemars(range(min = 1, max = 10_000_000))]
    pub fresh_samples: usize,
    /// Seed of the fresh draws of Lemma 4 (default: the data seed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 9_007_199_254_740_991u64))]
    pub seed: Option<u64>,
    /// Refuse allocations above this many bytes (default 8 GiB): the lemma measurements.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_limit: Option<u64>,
}

fn ls_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "array", "minItems": 1, "maxItems": 1000, "items": { "type": "number", "exclusiveMinimum": 0 } })
}

impl Default for TheoryOptions {
    fn default() -> Self {
        TheoryOptions {
            constants: Constants::default(),
            width: 100,
            lr: 0.05,
            init: Init::default(),
            steps: None,
            epsilon: 0.01,
            ls: vec![0.5, 1.0, 2.0, 4.0],
            method: Method::Auto,
            rank_tol: None,
            power: PowerConfig::default(),
            fresh_samples: 1000,
            seed: None,
            memory_limit: None,
        }
    }
}

impl crate::config::Config for TheoryOptions {
    const SECTION: &'static str = "theory";

    fn finish(&mut self, at: &str) -> Result<()> {
        self.constants.check(&format!("{at}.constants"))
    }
}

impl TheoryOptions {
    /// The one validator (the declaration above), for options built in Rust.
    pub fn validate(&self) -> Result<()> {
        crate::config::recheck(self)
    }

    pub fn power_options(&self) -> spectral::PowerOptions {
        spectral::PowerOptions { block: self.power.block, tol: self.power.tol, max_iterations: self.power.max_iterations }
    }
}

/// `Some(x)` for finite x, `None` (JSON null) for an infinite or undefined value.
pub fn fin(x: f64) -> Option<f64> {
    if x.is_finite() {
        Some(x)
    } else {
        None
    }
}

/// One inequality of Condition 1 (or of a lemma), at its worst case over classes / pairs.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub id: String,
    /// The inequality, as written in the paper (with our reading of its constants).
    pub text: String,
    pub lhs: Option<f64>,
    pub rhs: Option<f64>,
    /// ">=" or "<=".
    pub sense: &'static str,
    /// lhs / rhs for ">=" and rhs / lhs for "<=": holds exactly when margin >= 1. Null when the
    /// divisor is 0 (then `holds` says which way it went).
    pub margin: Option<f64>,
    /// Null where the item does not apply (e.g. a singular-value index below 1).
    pub holds: Option<bool>,
    /// The classes (i, j) or class (i) of the worst case, where the item is quantified over them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Item {
    fn new(id: &str, text: &str, sense: &'static str, lhs: f64, rhs: f64, at: Option<Vec<usize>>) -> Item {
        let (num, den) = if sense == ">=" { (lhs, rhs) } else { (rhs, lhs) };
        let holds = num >= den;
        let margin = if den == 0.0 {
            if num == 0.0 {
                Some(1.0)
            } else {
                None
            }
        } else {
            fin(num / den)
        };
        Item { id: id.into(), text: text.into(), lhs: fin(lhs), rhs: fin(rhs), sense, margin, holds: Some(holds), at, note: None }
    }

    fn not_applicable(id: &str, text: &str, sense: &'static str, note: String) -> Item {
        Item { id: id.into(), text: text.into(), lhs: None, rhs: None, sense, margin: None, holds: None, at: None, note: Some(note) }
    }

    fn with_note(mut self, note: impl Into<String>) -> Item {
        self.note = Some(note.into());
        self
    }

    /// Sort key: failing items first, then the smallest margin.
    fn badness(lhs: f64, rhs: f64, sense: &str) -> (bool, f64) {
        let (num, den) = if sense == ">=" { (lhs, rhs) } else { (rhs, lhs) };
        let m = if den == 0.0 {
            if num == 0.0 {
                1.0
            } else {
                f64::INFINITY
            }
        } else {
            num / den
        };
        (num >= den, if m.is_nan() { f64::INFINITY } else { m })
    }

    /// The worst of several (lhs, rhs, at) cases.
    #[allow(clippy::type_complexity)]
    fn worst(id: &str, text: &str, sense: &'static str, cases: impl IntoIterator<Item = (f64, f64, Vec<usize>)>) -> Option<Item> {
        let mut best: Option<((bool, f64), (f64, f64, Vec<usize>))> = None;
        for c in cases {
            let key = Item::badness(c.0, c.1, sense);
            let worse = match &best {
                None => true,
                Some((k, _)) => (!key.0 && k.0) || (key.0 == k.0 && key.1 < k.1),
            };
            if worse {
                best = Some((key, c));
            }
        }
        best.map(|(_, (l, r, at))| Item::new(id, text, sense, l, r, Some(at)))
    }
}

/// T of Theorem 1 without its log factors: eta^-1 eps^-1 max{n max_j Tr(A_j^T A_j), sqrt(m d sigma0), sqrt(m K)}.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IterationCount {
    pub value: f64,
    /// n max_j Tr(A_j^T A_j).
    pub trace_term: f64,
    /// sqrt(m d sigma0) (as printed in the paper).
    pub init_term: f64,
    /// sqrt(m K).
    pub width_term: f64,
    pub lr: f64,
    pub epsilon: f64,
    /// The T whose log enters Condition 1 and Lemma 3: the steps run, or `value`.
    pub t_used: f64,
    pub note: &'static str,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExplicitBound {
    pub class: usize,
    /// SNR_k.
    pub snr: Option<f64>,
    pub threshold: f64,
    /// SNR_k >= C1.
    pub holds: bool,
    /// sum_{j != k} exp(-c1 |S_k|^2 ||u_k||^4 / (|S_j| ||A_k^T A_j||_F^2)); a bound on the test
    /// error of class k when `holds` (>= 1 means vacuous).
    pub bound: f64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LBound {
    #[serde(rename = "L")]
    pub l: f64,
    /// sum_{j != k} exp(-c2 L^2 Gamma_{k,j}).
    pub bound: f64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImplicitBound {
    pub class: usize,
    /// min_{j != k} Gamma_{k,j} = |S_k| ||A_k^T A_k||_F^2 / max_j |S_j| ||A_k^T A_j||_F^2.
    pub gamma_min: Option<f64>,
    pub threshold: f64,
    /// min_j Gamma_{k,j} >= C2.
    pub holds: bool,
    /// The bound on the error over L-long-tailed data of class k (valid when `holds`).
    pub per_l: Vec<LBound>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HarmfulTest {
    pub class: usize,
    pub snr: Option<f64>,
    pub gamma_min: Option<f64>,
    pub threshold: f64,
    /// SNR_k <= C3 and min_j Gamma_{k,j} <= C3.
    pub holds: bool,
    /// When `holds`, the test error of class k is at least this (c3).
    pub lower_bound: f64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bounds {
    pub explicit: Vec<ExplicitBound>,
    pub implicit: Vec<ImplicitBound>,
    pub harmful: Vec<HarmfulTest>,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Statement 2(a) applies.
    BenignExplicit,
    /// Statement 2(b) applies (and 2(a) does not).
    BenignImplicit,
    /// Statement 3 applies.
    Harmful,
    /// None applies: the gray band of Figure 2.
    Uncharacterized,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TheorySummary")]
pub struct Summary {
    pub a: bool,
    pub b: bool,
    pub c: bool,
    pub all: bool,
}

/// Everything Theorem 1 and Condition 1 say about a data model, before training.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TheoryReport {
    pub kind: String,
    pub classes: usize,
    pub dim: usize,
    pub noise: NoiseKind,
    /// |S_k| (training).
    pub class_sizes: Vec<usize>,
    /// n = sum_k |S_k|.
    pub n: usize,
    pub width: usize,
    pub lr: f64,
    pub sigma0: f64,
    pub feature_norms: Vec<f64>,
    /// Tr(A_k^T A_k).
    pub trace: Vec<f64>,
    /// ||A_k^T A_j||_F^2, K x K.
    pub frob_sq: Vec<Vec<f64>>,
    /// ||A_k^T A_j||_op, K x K.
    pub op_norm: Vec<Vec<f64>>,
    pub rank: Vec<usize>,
    pub lambda_max_plus: Vec<f64>,
    pub lambda_min_plus: Vec<f64>,
    /// SNR_k (Statement 2(a)).
    pub snr: Vec<Option<f64>>,
    /// |S_k|^2 ||u_k||^4 / (|S_j| ||A_k^T A_j||_F^2): the ratio in each term of the 2(a) bound (null on the diagonal).
    pub snr_pairs: Vec<Vec<Option<f64>>>,
    /// Gamma_{k,j} (null on the diagonal, and where infinite).
    pub gamma_ratio: Vec<Vec<Option<f64>>>,
    /// min_{j != k} Gamma_{k,j}.
    pub gamma_min: Vec<Option<f64>>,
    pub iterations: IterationCount,
    pub conditions: Vec<Item>,
    pub conditions_hold: Summary,
    pub bounds: Bounds,
    pub phase: Vec<Phase>,
    pub constants: Constants,
    pub ls: Vec<f64>,
    pub numerics: Spectra,
}

/// P[zeta > c'] as c' -> 0+ and the largest c' with P[zeta > c'] >= 0.4, for each noise law.
fn noise_threshold(noise: NoiseKind) -> (f64, f64, &'static str) {
    match noise {
        // Phi^{-1}(0.6).
        NoiseKind::Gaussian => (0.5, 0.253_347_103_135_799_8, "c' = Phi^-1(0.6) = 0.2533"),
        // (sqrt3 - c') / (2 sqrt3) >= 0.4  <=>  c' <= 0.2 sqrt3.
        NoiseKind::Uniform => (0.5, 0.2 * 3f64.sqrt(), "c' = 0.2 sqrt(3) = 0.3464"),
        NoiseKind::Rademacher => (0.5, 1.0, "any c' < 1 (P[zeta > c'] = 0.5)"),
    }
}

/// The class sizes of a resolved data config.
pub fn class_sizes(cfg: &DataConfig) -> Result<Vec<usize>> {
    Ok(cfg.validate()?.0)
}

/// Should the numerical route be used for this model?
fn wants_numeric(model: &DataModel, opts: &TheoryOptions) -> Result<bool> {
    Ok(match opts.method {
        Method::Numeric => true,
        Method::Closed => {
            if matches!(model.factors, Factors::Explicit { .. }) {
                return Err(Error::invalid("theory.method", "\"closed\"", "\"auto\" or \"numeric\" for explicit noise factors (they have no closed form)"));
            }
            false
        }
        Method::Auto => matches!(model.factors, Factors::Explicit { .. }),
    })
}

/// The numerical route's job for a model, and the dense factors it runs on when the model does
/// not hold them itself (`None` for explicit factors: the job reads the model's own). `input_eps`
/// is the precision of user-given factors.
fn numeric_job(model: &DataModel, opts: &TheoryOptions, input_eps: f64, memory_limit: u64, par: Par) -> Result<(spectral::NumericJob, Option<Vec<f64>>)> {
    let (k, d) = (model.k, model.d);
    let (dense, eps) = match &model.factors {
        Factors::Explicit { .. } => (None, input_eps),
        _ => {
            check_alloc(&format!("the dense noise factors of {k} classes in dimension {d}"), (k as u128) * (d as u128) * (d as u128), 8, memory_limit)?;
            (Some((0..k).flat_map(|c| model.dense_factor(c)).collect()), f64::EPSILON)
        }
    };
    Ok((spectral::NumericJob::new(k, d, eps, opts.rank_tol, opts.power_options(), memory_limit, par)?, dense))
}

/// The dense factors a numeric job runs on.
fn factors_of<'a>(model: &'a DataModel, dense: &'a Option<Vec<f64>>) -> &'a [f64] {
    match (&model.factors, dense) {
        (Factors::Explicit { a }, _) => a,
        (_, Some(v)) => v,
        _ => &[],
    }
}

/// Compute the matrix quantities by the requested route, in one go.
pub fn spectra_for(model: &DataModel, opts: &TheoryOptions, input_eps: f64, memory_limit: u64, par: Par) -> Result<Spectra> {
    if !wants_numeric(model, opts)? {
        if let Some(s) = spectral::closed_form(model, opts.rank_tol, par) {
            return Ok(s);
        }
    }
    let (mut job, dense) = numeric_job(model, opts, input_eps, memory_limit, par)?;
    let a = factors_of(model, &dense);
    while !job.step(a)? {}
    job.finish()
}

/// Theorem 1 and Condition 1 from a data model and its training class sizes.
pub fn evaluate(model: &DataModel, sizes: &[usize], opts: &TheoryOptions, sp: Spectra) -> Result<TheoryReport> {
    opts.validate()?;
    let (k, d) = (model.k, model.d);
    if sizes.len() != k {
        return Err(Error::invalid("data.perClass", format!("{} sizes", sizes.len()), format!("one per class (classes = {k})")));
    }
    let cst = &opts.constants;
    let n: usize = sizes.iter().sum();
    let nf = n as f64;
    let m = opts.width;
    let mf = m as f64;
    let sigma0 = opts.init.sigma0(d);
    let s: Vec<f64> = sizes.iter().map(|&v| v as f64).collect();
    let norms: Vec<f64> = (0..k).map(|c| util::dot_serial_f64(&model.features[c * d..(c + 1) * d], &model.features[c * d..(c + 1) * d]).sqrt()).collect();
    let f = &sp.frob_sq;

    // Ratios of Theorem 1.
    let mut snr_pairs = vec![vec![None; k]; k];
    let mut pair_ratio = vec![vec![f64::NAN; k]; k];
    let mut gamma = vec![vec![f64::NAN; k]; k];
    let mut snr = vec![0.0; k];
    let mut gmin = vec![0.0; k];
    for a in 0..k {
        let u4 = norms[a].powi(2).powi(2);
        let worst = (0..k).filter(|&j| j != a).map(|j| s[j] * f[a][j]).fold(0.0, f64::max);
        snr[a] = s[a] * s[a] * u4 / worst;
        if u4 == 0.0 {
            snr[a] = 0.0;
        }
        gmin[a] = s[a] * f[a][a] / worst;
        for j in 0..k {
            if j == a {
                continue;
            }
            let r = if u4 == 0.0 { 0.0 } else { s[a] * s[a] * u4 / (s[j] * f[a][j]) };
            pair_ratio[a][j] = r;
            snr_pairs[a][j] = fin(r);
            gamma[a][j] = s[a] * f[a][a] / (s[j] * f[a][j]);
        }
    }

    // T of Theorem 1.
    let max_tr = sp.trace.iter().cloned().fold(0.0, f64::max);
    let trace_term = nf * max_tr;
    let init_term = (mf * d as f64 * sigma0).sqrt();
    let width_term = (mf * k as f64).sqrt();
    let t_value = trace_term.max(init_term).max(width_term) / (opts.lr * opts.epsilon);
    let t_used = opts.steps.map(|v| v as f64).unwrap_or(t_value);
    let log_t = libm::log(t_used);
    let iterations = IterationCount {
        value: t_value,
        trace_term,
        init_term,
        width_term,
        lr: opts.lr,
        epsilon: opts.epsilon,
        t_used,
        note: "O~(.) without its log factors and with constant 1; t_used is the steps run when given, else value",
    };

    // Condition 1.
    let c = cst.c;
    let delta = cst.delta;
    let kf = k as f64;
    let pairs = || (0..k).flat_map(move |i| (0..k).map(move |j| (i, j)));
    let mut items = Vec::new();
    let ln_n2 = libm::log(nf * nf / delta);
    if let Some(it) = Item::worst(
        "a1",
        "Tr(A_i^T A_i) >= C n ||A_i^T A_j||_F log(n^2/delta), all i, j",
        ">=",
        pairs().map(|(i, j)| (sp.trace[i], c * nf * f[i][j].sqrt() * ln_n2, vec![i, j])),
    ) {
        items.push(it);
    }
    let rhs_a2 = c * libm::log(kf / delta).sqrt();
    let a2_cases: Vec<_> =
        pairs().filter(|&(i, j)| f[i][j] > 0.0 && sp.op_norm[i][j] > 0.0).map(|(i, j)| (f[i][j].sqrt() / sp.op_norm[i][j], rhs_a2, vec![i, j])).collect();
    let skipped = k * k - a2_cases.len();
    match Item::worst("a2", "||A_i^T A_j||_F / ||A_i^T A_j||_op >= C sqrt(log(K/delta)), all i, j", ">=", a2_cases) {
        Some(it) => items.push(if skipped > 0 { it.with_note(format!("{skipped} pair(s) with A_i^T A_j = 0 left out (nothing to concentrate)")) } else { it }),
        None => {
            items.push(Item::not_applicable("a2", "||A_i^T A_j||_F / ||A_i^T A_j||_op >= C sqrt(log(K/delta)), all i, j", ">=", "every A_i^T A_j is 0".into()))
        }
    }
    if let Some(it) = Item::worst(
        "a3",
        "||A_i^T A_j||_F >= C^-1 max_{k != j} ||A_i^T A_k||_F, all i, j",
        ">=",
        pairs().map(|(i, j)| (f[i][j].sqrt(), (0..k).filter(|&q| q != j).map(|q| f[i][q].sqrt()).fold(0.0, f64::max) / c, vec![i, j])),
    ) {
        items.push(it);
    }
    let (p0, cprime, cnote) = noise_threshold(model.noise);
    items.push(
        Item::new("a4", "P[zeta > c'] >= 0.4 for some c' > 0", ">=", p0, 0.4, None)
            .with_note(format!("lhs is P[zeta > c'] as c' -> 0+; largest admissible {cnote}; cPrime = {cprime}")),
    );

    let ratio_max = (0..k).filter(|&i| sp.lambda_min_plus[i] > 0.0).map(|i| (sp.lambda_max_plus[i] / sp.lambda_min_plus[i]).powi(2)).fold(0.0, f64::max);
    let argmax = (0..k).filter(|&i| sp.lambda_min_plus[i] > 0.0).max_by(|&x, &y| {
        (sp.lambda_max_plus[x] / sp.lambda_min_plus[x]).partial_cmp(&(sp.lambda_max_plus[y] / sp.lambda_min_plus[y])).unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut b1 = Item::new("b1", "m >= C log(n/delta) max_i (lambda+_max(A_i) / lambda+_min(A_i))^2", ">=", mf, c * libm::log(nf / delta) * ratio_max, None);
    b1.at = argmax.map(|i| vec![i]);
    items.push(b1);
    items.push(Item::new("b2", "n >= C log(m/delta)", ">=", nf, c * libm::log(mf / delta), None));
    items.push(Item::new(
        "b3",
        "m >= C log(n/delta) log(T)^2 / (n sigma0^2)   (Omega's hidden constant = C)",
        ">=",
        mf,
        c * libm::log(nf / delta) * log_t * log_t / (nf * sigma0 * sigma0),
        None,
    ));
    if let Some(it) =
        Item::worst("b4", "min{m, d, rank(A_j)} - 0.9 m >= C n, all j", ">=", (0..k).map(|j| ((m.min(d).min(sp.rank[j]) as f64) - 0.9 * mf, c * nf, vec![j])))
    {
        items.push(it);
    }
    items.push(Item::new("b5", "d >= C log(m n/delta)", ">=", d as f64, c * libm::log(mf * nf / delta), None));

    let big = (0..k).map(|q| norms[q] + (1.5 * sp.trace[q]).sqrt()).fold(0.0, f64::max);
    items.push(Item::new("c1", "eta <= (C (max_k ||u_k|| + sqrt(1.5 Tr(A_k^T A_k)))^2)^-1", "<=", opts.lr, 1.0 / (c * big * big), None));
    let jmax = (0..k).max_by(|&x, &y| sp.trace[x].partial_cmp(&sp.trace[y]).unwrap_or(std::cmp::Ordering::Equal)).unwrap_or(0);
    let mut c2 = Item::new("c2", "eta <= m n log(T) / Tr(A_j^T A_j), all j", "<=", opts.lr, mf * nf * log_t / sp.trace[jmax], None);
    c2.at = Some(vec![jmax]);
    items.push(c2);
    let lkm = libm::log(kf * mf / delta);
    let phi = pairs().map(|(i, j)| f[i][j].sqrt().min(norms[i] * norms[i])).fold(f64::INFINITY, f64::min);
    let scale = (0..k).map(|q| (lkm.sqrt() * norms[q]).max(lkm * sp.trace[q].sqrt())).fold(0.0, f64::max);
    items.push(
        Item::new(
            "c3",
            "sigma0 <= C^-1 n^-1 phi / max_k max{sqrt(log(Km/delta)) ||u_k||, log(Km/delta) ||A_k||_F}",
            "<=",
            sigma0,
            phi / (c * nf * scale),
            None,
        )
        .with_note(format!(
            "phi = min_{{k1,k2}} min{{||A_k1^T A_k2||_F, ||u_k1||^2}} = {phi:.6e}; the paper's max{{.}} is read as the larger of its two terms"
        )),
    );
    let group_holds = |g: char| items.iter().filter(|i| i.id.starts_with(g)).all(|i| i.holds != Some(false));
    let conditions_hold = Summary { a: group_holds('a'), b: group_holds('b'), c: group_holds('c'), all: items.iter().all(|i| i.holds != Some(false)) };

    // Statements 2(a), 2(b), 3 and the phase.
    let mut explicit = Vec::with_capacity(k);
    let mut implicit = Vec::with_capacity(k);
    let mut harmful = Vec::with_capacity(k);
    let mut phase = Vec::with_capacity(k);
    for a in 0..k {
        let others = || (0..k).filter(move |&j| j != a);
        let ea = snr[a] >= cst.c1_big;
        let bound_a: f64 = others().map(|j| libm::exp(-cst.c1 * pair_ratio[a][j])).sum();
        explicit.push(ExplicitBound { class: a, snr: fin(snr[a]), threshold: cst.c1_big, holds: ea, bound: bound_a });
        let eb = gmin[a] >= cst.c2_big;
        let per_l = opts.ls.iter().map(|&l| LBound { l, bound: others().map(|j| libm::exp(-cst.c2 * l * l * gamma[a][j])).sum() }).collect();
        implicit.push(ImplicitBound { class: a, gamma_min: fin(gmin[a]), threshold: cst.c2_big, holds: eb, per_l });
        let h = snr[a] <= cst.c3_big && gmin[a] <= cst.c3_big;
        harmful.push(HarmfulTest { class: a, snr: fin(snr[a]), gamma_min: fin(gmin[a]), threshold: cst.c3_big, holds: h, lower_bound: cst.c3 });
        phase.push(if ea {
            Phase::BenignExplicit
        } else if eb {
            Phase::BenignImplicit
        } else if h {
            Phase::Harmful
        } else {
            Phase::Uncharacterized
        });
    }

    Ok(TheoryReport {
        kind: model.kind.to_string(),
        classes: k,
        dim: d,
        noise: model.noise,
        class_sizes: sizes.to_vec(),
        n,
        width: m,
        lr: opts.lr,
        sigma0,
        feature_norms: norms,
        trace: sp.trace.clone(),
        frob_sq: sp.frob_sq.clone(),
        op_norm: sp.op_norm.clone(),
        rank: sp.rank.clone(),
        lambda_max_plus: sp.lambda_max_plus.clone(),
        lambda_min_plus: sp.lambda_min_plus.clone(),
        snr: snr.iter().map(|&v| fin(v)).collect(),
        snr_pairs,
        gamma_ratio: (0..k).map(|a| (0..k).map(|j| if a == j { None } else { fin(gamma[a][j]) }).collect()).collect(),
        gamma_min: gmin.iter().map(|&v| fin(v)).collect(),
        iterations,
        conditions: items,
        conditions_hold,
        bounds: Bounds { explicit, implicit, harmful },
        phase,
        constants: cst.clone(),
        ls: opts.ls.clone(),
        numerics: sp,
    })
}

/// Theorem 1 from a resolved data config (and user arrays for the explicit model).
pub fn theory(cfg: &DataConfig, explicit: Option<ExplicitModel<'_>>, opts: &TheoryOptions, par: Par) -> Result<TheoryReport> {
    let mut job = TheoryJob::new(cfg, explicit, opts.clone(), None, par)?;
    while !job.run(usize::MAX)? {}
    Ok(job.finish()?.0)
}

/// An owned copy of a trained run's arrays, for a job that outlives the caller's borrows.
#[derive(Clone, Debug, Default)]
pub struct OwnedRun {
    pub weights: Vec<f32>,
    pub weights_init: Option<Vec<f32>>,
    pub train_x: Vec<f32>,
    pub train_y: Vec<i32>,
    pub train_pos: Vec<u8>,
    pub logit_sums: Option<Vec<f64>>,
    pub kappa: Option<Vec<f64>>,
    pub test_x: Option<Vec<f32>>,
    pub test_y: Option<Vec<i32>>,
    pub test_pos: Option<Vec<u8>>,
}

impl OwnedRun {
    pub fn from_run(r: &lemmas::Run<'_>) -> OwnedRun {
        OwnedRun {
            weights: r.weights.to_vec(),
            weights_init: r.weights_init.map(|v| v.to_vec()),
            train_x: r.train_x.to_vec(),
            train_y: r.train_y.to_vec(),
            train_pos: r.train_pos.to_vec(),
            logit_sums: r.logit_sums.map(|v| v.to_vec()),
            kappa: r.kappa.map(|v| v.to_vec()),
            test_x: r.test_x.map(|v| v.to_vec()),
            test_y: r.test_y.map(|v| v.to_vec()),
            test_pos: r.test_pos.map(|v| v.to_vec()),
        }
    }

    pub fn as_run(&self) -> lemmas::Run<'_> {
        lemmas::Run {
            weights: &self.weights,
            weights_init: self.weights_init.as_deref(),
            train_x: &self.train_x,
            train_y: &self.train_y,
            train_pos: &self.train_pos,
            logit_sums: self.logit_sums.as_deref(),
            kappa: self.kappa.as_deref(),
            test_x: self.test_x.as_deref(),
            test_y: self.test_y.as_deref(),
            test_pos: self.test_pos.as_deref(),
        }
    }
}

/// Theorem 1 (and the lemmas of a run) as units of work, so a caller can report progress and
/// stop between units: the numerical route's units (one SVD, Gram matrix or power iteration
/// each), then one unit for the report and the lemmas. Closed forms need only the last unit.
pub struct TheoryJob {
    model: DataModel,
    sizes: Vec<usize>,
    opts: TheoryOptions,
    seed: u64,
    par: Par,
    numeric: Option<spectral::NumericJob>,
    dense: Option<Vec<f64>>,
    run: Option<OwnedRun>,
    result: Option<(TheoryReport, Option<lemmas::LemmaReport>)>,
    total: usize,
    done: usize,
}

impl TheoryJob {
    pub fn new(cfg: &DataConfig, explicit: Option<ExplicitModel<'_>>, opts: TheoryOptions, run: Option<OwnedRun>, par: Par) -> Result<TheoryJob> {
        opts.validate()?;
        let sizes = class_sizes(cfg)?;
        let model = DataModel::build(cfg, explicit, par)?;
        let (numeric, dense) = if wants_numeric(&model, &opts)? || !spectral::closed_form_available(&model) {
            let (j, dense) = numeric_job(&model, &opts, f32::EPSILON as f64, cfg.memory_limit(), par)?;
            (Some(j), dense)
        } else {
            (None, None)
        };
        let seed = opts.seed.unwrap_or(cfg.seed);
        let total = numeric.as_ref().map_or(0, |j| j.total()) + 1;
        Ok(TheoryJob { model, sizes, opts, seed, par, numeric, dense, run, result: None, total, done: 0 })
    }

    /// Units of work: the numerical route's, plus one for the report (and lemmas).
    pub fn total(&self) -> usize {
        self.total
    }

    pub fn done(&self) -> usize {
        self.done
    }

    /// The report is ready.
    pub fn finished(&self) -> bool {
        self.result.is_some()
    }

    /// Run up to `units` units; true when the job is complete.
    pub fn run(&mut self, units: usize) -> Result<bool> {
        for _ in 0..units.max(1) {
            if self.result.is_some() {
                return Ok(true);
            }
            if let Some(j) = self.numeric.as_mut() {
                if j.done() < j.total() {
                    j.step(factors_of(&self.model, &self.dense))?;
                    self.done += 1;
                    continue;
                }
            }
            let sp = match self.numeric.take() {
                Some(j) => {
                    self.dense = None;
                    j.finish()?
                }
                None => spectral::closed_form(&self.model, self.opts.rank_tol, self.par)
                    .ok_or_else(|| Error::Internal { detail: "closed form unavailable".into() })?,
            };
            let report = evaluate(&self.model, &self.sizes, &self.opts, sp)?;
            let lem = match &self.run {
                Some(r) => Some(lemmas::lemmas(&self.model, &report, &r.as_run(), &self.opts, self.seed, self.par)?),
                None => None,
            };
            self.result = Some((report, lem));
            self.done += 1;
        }
        Ok(self.result.is_some())
    }

    pub fn finish(self) -> Result<(TheoryReport, Option<lemmas::LemmaReport>)> {
        self.result.ok_or_else(|| Error::Internal { detail: "theory job read before it finished".into() })
    }

    /// The result as JSON: the report, with `lemmas` added when the job had a run.
    pub fn result_json(&self) -> Result<String> {
        let (r, l) = self.result.as_ref().ok_or_else(|| Error::Internal { detail: "theory job read before it finished".into() })?;
        let mut v = serde_json::to_value(r).map_err(|e| Error::Internal { detail: e.to_string() })?;
        if let (Some(l), Some(o)) = (l, v.as_object_mut()) {
            o.insert("lemmas".into(), serde_json::to_value(l).map_err(|e| Error::Internal { detail: e.to_string() })?);
        }
        Ok(v.to_string())
    }
}

#[cfg(test)]
mod tests;
