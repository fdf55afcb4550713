//! The phase boundaries of Theorem 1 for the §5.1 model with equal class sizes, in the planes the
//! sweeps draw: (feature norm, Gamma), (feature norm, class size) and (Gamma, class size).
//!
//! With equal sizes s, equal norms u and one lambda for every class, D = d - K noise directions
//! and base eigenvalue b, every class has
//!   F(Gamma) = ||A_k^T A_j||_F^2 = (D - 2) b^4 + 2 b^2 lambda^2,   lambda = lambda(Gamma) (data::lambda_for_gamma),
//!   SNR = s u^4 / F(Gamma),   Gamma_{k,j} = Gamma (the size-free ratio, as sizes are equal).
//! So SNR = C solves for u = (C F / s)^(1/4) or s = C F / u^4, and Gamma = C is a straight line.

#![allow(clippy::needless_range_loop)] // index loops over classes read clearer here

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Constants, Phase};
use crate::data::lambda_for_gamma;
use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum Plane {
    #[serde(rename = "featureNorm-gamma")]
    FeatureNormGamma,
    #[serde(rename = "featureNorm-perClass")]
    FeatureNormPerClass,
    #[serde(rename = "gamma-perClass")]
    GammaPerClass,
}

fn d_classes() -> usize {
    5
}
fn d_dim() -> usize {
    1000
}
fn d_base() -> f64 {
    0.5
}
fn d_l() -> f64 {
    1.0
}

/// The theory's phase boundaries of the §5.1 model in a sweep plane (the `boundaries` options):
/// `x` and `y` are the axis values (the sweep's grid), the third quantity is fixed.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoundaryOptions {
    /// The sweep plane: x-y quantities.
    pub plane: Plane,
    /// The x axis values.
    #[schemars(length(min = 1, max = 100_000))]
    pub x: Vec<f64>,
    /// The y axis values.
    #[schemars(length(min = 1, max = 100_000))]
    pub y: Vec<f64>,
    /// K, the number of classes.
    #[serde(default = "d_classes")]
    #[schemars(range(min = 2, max = 1000))]
    pub classes: usize,
    /// d, the patch dimension (at least 2 * classes + 2).
    #[serde(default = "d_dim")]
    #[schemars(range(min = 6, max = 1_000_000))]
    pub dim: usize,
    /// The eigenvalue of A_k on every other noise direction (§5.1: 0.5).
    #[serde(default = "d_base")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub base_eigenvalue: f64,
    /// Fixed ||u|| (plane gamma-perClass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub feature_norm: Option<f64>,
    /// Fixed Gamma (plane featureNorm-perClass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub gamma: Option<f64>,
    /// Fixed |S_k| (plane featureNorm-gamma).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub per_class: Option<f64>,
    /// The absolute constants (C1, C2, C3 draw the boundaries).
    #[serde(default)]
    pub constants: Constants,
    /// Error levels at which to draw the contours of the 2(a) and 2(b) bounds (with c1, c2).
    #[serde(default)]
    #[schemars(schema_with = "levels_schema")]
    pub levels: Vec<f64>,
    /// L of the 2(b) contours.
    #[serde(default = "d_l", rename = "L")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub l: f64,
}

fn levels_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "array", "maxItems": 100, "items": { "type": "number", "exclusiveMinimum": 0 } })
}

impl crate::config::Config for BoundaryOptions {
    const SECTION: &'static str = "boundaries";

    fn finish(&mut self, at: &str) -> Result<()> {
        self.constants.check(&format!("{at}.constants"))?;
        let k = self.classes;
        if self.dim < 2 * k + 2 {
            return Err(Error::invalid(format!("{at}.dim"), self.dim, format!("an integer >= 2 * classes + 2 = {}", 2 * k + 2)));
        }
        if let Some(i) = self.levels.iter().position(|v| *v >= (k - 1) as f64) {
            return Err(Error::invalid(
                format!("{at}.levels[{i}]"),
                crate::config::check::num(self.levels[i]),
                format!("an error level in (0, K - 1 = {})", k - 1),
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Curve {
    /// "2a" (SNR = C1), "2b" (Gamma = C2), "3-snr" (SNR = C3), "3-gamma" (Gamma = C3),
    /// "2a@level" / "2b@level" (bound = level).
    pub id: String,
    pub label: String,
    /// [x, y] points in the plane's coordinates (may leave the axes' range: clip when drawing).
    pub points: Vec<[f64; 2]>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoundaryReport {
    pub plane: Plane,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// phase[iy][ix] (every class has the same phase in this symmetric model).
    pub phase: Vec<Vec<Phase>>,
    pub snr: Vec<Vec<f64>>,
    pub gamma: Vec<Vec<f64>>,
    pub curves: Vec<Curve>,
    pub constants: Constants,
}

/// ||A_k^T A_j||_F^2 (k != j) of the §5.1 model at size-free ratio Gamma.
pub fn cross_frob_sq(gamma: f64, d_noise: usize, base: f64) -> f64 {
    let lam = lambda_for_gamma(gamma, d_noise, base);
    let b2 = base * base;
    (d_noise as f64 - 2.0) * b2 * b2 + 2.0 * b2 * lam * lam
}

fn check_axis(name: &str, v: &[f64], min: f64) -> Result<()> {
    if v.is_empty() || v.len() > 100_000 {
        return Err(Error::invalid(name, format!("{} values", v.len()), "1 to 100000 axis values"));
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite() || *x < min) {
        return Err(Error::invalid(format!("{name}[{i}]"), v[i], format!("a finite number >= {min}")));
    }
    Ok(())
}

fn need(v: Option<f64>, field: &str, min: f64) -> Result<f64> {
    match v {
        Some(x) if x.is_finite() && x >= min => Ok(x),
        Some(x) => Err(Error::invalid(field, x, format!("a finite number >= {min}"))),
        None => Err(Error::invalid(field, "nothing", "a value (it is fixed in this plane)")),
    }
}

pub fn boundaries(o: &BoundaryOptions) -> Result<BoundaryReport> {
    crate::config::recheck(o)?;
    let (xmin, ymin) = match o.plane {
        Plane::FeatureNormGamma => (0.0, 1.0),
        Plane::FeatureNormPerClass => (0.0, 1.0),
        Plane::GammaPerClass => (1.0, 1.0),
    };
    check_axis("boundaries.x", &o.x, xmin)?;
    check_axis("boundaries.y", &o.y, ymin)?;
    let Grid { phase, snr, gamma } = grid(o)?;
    let curves = curves(o)?;
    Ok(BoundaryReport { plane: o.plane, x: o.x.clone(), y: o.y.clone(), phase, snr, gamma, curves, constants: o.constants.clone() })
}

/// Theorem 1's phase, the SNR and Gamma at every grid point: [iy][ix].
struct Grid {
    phase: Vec<Vec<Phase>>,
    snr: Vec<Vec<f64>>,
    gamma: Vec<Vec<f64>>,
}

fn grid(o: &BoundaryOptions) -> Result<Grid> {
    let dn = o.dim - o.classes;
    let b = o.base_eigenvalue;
    let c = &o.constants;
    // (u, Gamma, s) at a grid point: the plane's two axes and the value it fixes.
    let at = |x: f64, y: f64| -> Result<(f64, f64, f64)> {
        Ok(match o.plane {
            Plane::FeatureNormGamma => (x, y, need(o.per_class, "boundaries.perClass", 1.0)?),
            Plane::FeatureNormPerClass => (x, need(o.gamma, "boundaries.gamma", 1.0)?, y),
            Plane::GammaPerClass => (need(o.feature_norm, "boundaries.featureNorm", 0.0)?, x, y),
        })
    };
    let snr_of = |u: f64, g: f64, s: f64| s * u.powi(2).powi(2) / cross_frob_sq(g, dn, b);
    let mut phase = Vec::with_capacity(o.y.len());
    let mut snr = Vec::with_capacity(o.y.len());
    let mut gam = Vec::with_capacity(o.y.len());
    for &y in &o.y {
        let mut pr = Vec::with_capacity(o.x.len());
        let mut sr = Vec::with_capacity(o.x.len());
        let mut gr = Vec::with_capacity(o.x.len());
        for &x in &o.x {
            let (u, g, s) = at(x, y)?;
            let v = snr_of(u, g, s);
            pr.push(if v >= c.c1_big {
                Phase::BenignExplicit
            } else if g >= c.c2_big {
                Phase::BenignImplicit
            } else if v <= c.c3_big && g <= c.c3_big {
                Phase::Harmful
            } else {
                Phase::Uncharacterized
            });
            sr.push(v);
            gr.push(g);
        }
        phase.push(pr);
        snr.push(sr);
        gam.push(gr);
    }
    Ok(Grid { phase, snr, gamma: gam })
}

/// The boundaries as curves in the plane: SNR = C1, Gamma = C2, SNR = C3 and Gamma = C3, then the
/// bounds of statements 2(a) and 2(b) at each of `levels`.
fn curves(o: &BoundaryOptions) -> Result<Vec<Curve>> {
    let k = o.classes;
    let dn = o.dim - k;
    let b = o.base_eigenvalue;
    let c = &o.constants;
    let (x0, x1) = (o.x.iter().cloned().fold(f64::INFINITY, f64::min), o.x.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
    let (y0, y1) = (o.y.iter().cloned().fold(f64::INFINITY, f64::min), o.y.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
    let km1 = (k - 1) as f64;
    // SNR = level curves and Gamma = level lines.
    let snr_curve = |id: String, label: String, target: f64| -> Result<Curve> {
        let points = match o.plane {
            Plane::FeatureNormGamma => {
                let s = need(o.per_class, "boundaries.perClass", 1.0)?;
                o.y.iter().map(|&g| [libm::pow(target * cross_frob_sq(g, dn, b) / s, 0.25), g]).collect()
            }
            Plane::FeatureNormPerClass => {
                let g = need(o.gamma, "boundaries.gamma", 1.0)?;
                o.y.iter().map(|&s| [libm::pow(target * cross_frob_sq(g, dn, b) / s, 0.25), s]).collect()
            }
            Plane::GammaPerClass => {
                let u = need(o.feature_norm, "boundaries.featureNorm", 0.0)?;
                if u == 0.0 {
                    Vec::new()
                } else {
                    o.x.iter().map(|&g| [g, target * cross_frob_sq(g, dn, b) / u.powi(2).powi(2)]).collect()
                }
            }
        };
        Ok(Curve { id, label, points })
    };
    let gamma_line = |id: String, label: String, g: f64| -> Curve {
        let points = match o.plane {
            Plane::FeatureNormGamma => vec![[x0, g], [x1, g]],
            Plane::FeatureNormPerClass => Vec::new(), // Gamma is fixed in this plane: all or nothing.
            Plane::GammaPerClass => vec![[g, y0], [g, y1]],
        };
        Curve { id, label, points }
    };
    let mut curves = vec![
        snr_curve("2a".into(), format!("SNR = C1 = {}", c.c1_big), c.c1_big)?,
        gamma_line("2b".into(), format!("Gamma = C2 = {}", c.c2_big), c.c2_big),
        snr_curve("3-snr".into(), format!("SNR = C3 = {}", c.c3_big), c.c3_big)?,
        gamma_line("3-gamma".into(), format!("Gamma = C3 = {}", c.c3_big), c.c3_big),
    ];
    for &lv in &o.levels {
        // (K - 1) exp(-c1 SNR) = level  and  (K - 1) exp(-c2 L^2 Gamma) = level.
        let t = libm::log(km1 / lv);
        curves.push(snr_curve(format!("2a@{lv}"), format!("2(a) bound = {lv} (c1 = {})", c.c1), t / c.c1)?);
        curves.push(gamma_line(format!("2b@{lv}"), format!("2(b) bound = {lv} at L = {} (c2 = {})", o.l, c.c2), t / (c.c2 * o.l * o.l)));
    }
    Ok(curves)
}

#[cfg(test)]
mod tests;
