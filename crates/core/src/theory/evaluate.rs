//! Theorem 1 and Condition 1 from a data model, its class sizes and its matrix quantities
//! ([`evaluate`]): the ratios SNR_k and Gamma_{k,j}, T, Condition 1 item by item, and Statements
//! 2(a), 2(b) and 3 with the phase of every class.

use super::spectral::Spectra;
use super::{
    fin, noise_threshold, Bounds, ExplicitBound, HarmfulTest, ImplicitBound, Item, IterationCount, LBound, Phase, Summary, TheoryOptions, TheoryReport,
};
use crate::data::DataModel;
use crate::error::{Error, Result};
use crate::util;

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

    let Ratios { snr_pairs, pair_ratio, gamma, snr, gmin } = ratios(&s, &norms, f);
    let (iterations, log_t) = iteration_count(&sp, opts, k, d, nf, mf, sigma0);
    let items = condition1(model, &sp, opts, &norms, k, d, nf, m, sigma0, log_t);
    let group_holds = |g: char| items.iter().filter(|i| i.id.starts_with(g)).all(|i| i.holds != Some(false));
    let conditions_hold = Summary { a: group_holds('a'), b: group_holds('b'), c: group_holds('c'), all: items.iter().all(|i| i.holds != Some(false)) };

    let (bounds, phase) = statements(opts, &pair_ratio, &gamma, &snr, &gmin);

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
        bounds,
        phase,
        constants: cst.clone(),
        ls: opts.ls.clone(),
        numerics: sp,
    })
}

/// The ratios of Theorem 1 per class a and pair (a, j).
struct Ratios {
    snr_pairs: Vec<Vec<Option<f64>>>,
    pair_ratio: Vec<Vec<f64>>,
    gamma: Vec<Vec<f64>>,
    snr: Vec<f64>,
    gmin: Vec<f64>,
}

/// SNR_k, Gamma_{k,j} and their per-pair terms from the class sizes `s`, the feature norms and
/// ||A_k^T A_j||_F^2 (`f`).
fn ratios(s: &[f64], norms: &[f64], f: &[Vec<f64>]) -> Ratios {
    let k = s.len();
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

    Ratios { snr_pairs, pair_ratio, gamma, snr, gmin }
}

/// T of Theorem 1 (and log T: of the steps run when given, else of T).
fn iteration_count(sp: &Spectra, opts: &TheoryOptions, k: usize, d: usize, nf: f64, mf: f64, sigma0: f64) -> (IterationCount, f64) {
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

    (iterations, log_t)
}

/// Condition 1, item by item (a1-a4, b1-b5, c1-c3), each at its worst case.
#[allow(clippy::too_many_arguments)]
fn condition1(
    model: &DataModel, sp: &Spectra, opts: &TheoryOptions, norms: &[f64], k: usize, d: usize, nf: f64, m: usize, sigma0: f64, log_t: f64,
) -> Vec<Item> {
    let cst = &opts.constants;
    let f = &sp.frob_sq;
    let mf = m as f64;
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
    items
}

/// Statements 2(a), 2(b) and 3 for every class, and its phase.
fn statements(opts: &TheoryOptions, pair_ratio: &[Vec<f64>], gamma: &[Vec<f64>], snr: &[f64], gmin: &[f64]) -> (Bounds, Vec<Phase>) {
    let cst = &opts.constants;
    let k = snr.len();
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

    (Bounds { explicit, implicit, harmful }, phase)
}
