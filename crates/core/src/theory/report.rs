//! What Theorem 1 and Condition 1 report: one [`Item`] per inequality, the bounds of Statements
//! 2(a), 2(b) and 3, and the phase of every class.

use schemars::JsonSchema;
use serde::Serialize;

use super::spectral::Spectra;
use super::{fin, Constants};
use crate::data::NoiseKind;

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
    pub(super) fn new(id: &str, text: &str, sense: &'static str, lhs: f64, rhs: f64, at: Option<Vec<usize>>) -> Item {
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

    pub(super) fn not_applicable(id: &str, text: &str, sense: &'static str, note: String) -> Item {
        Item { id: id.into(), text: text.into(), lhs: None, rhs: None, sense, margin: None, holds: None, at: None, note: Some(note) }
    }

    pub(super) fn with_note(mut self, note: impl Into<String>) -> Item {
        self.note = Some(note.into());
        self
    }

    /// Sort key: failing items first, then the smallest margin.
    pub(super) fn badness(lhs: f64, rhs: f64, sense: &str) -> (bool, f64) {
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
    pub(super) fn worst(id: &str, text: &str, sense: &'static str, cases: impl IntoIterator<Item = (f64, f64, Vec<usize>)>) -> Option<Item> {
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
