//! The `sweep` section of an experiment file: one or two axes over config fields, and seed
//! replicates. The grid itself is expanded in TypeScript (ts/sweep/spec.ts), one cell a data and
//! a train config that the core resolves; this is the declaration and the check of the spec.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::check::num;
use crate::config::{schema_of, Contract};
use crate::error::{Error, Result};

/// A sweep: one or two axes over config fields, and seed replicates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SweepSpec {
    /// The x axis.
    pub x: Axis,
    /// The y axis (none: a one-dimensional sweep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<Axis>,
    /// Replicates per cell: replicate r adds r to data.seed and train.seed.
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 1000))]
    pub seeds: usize,
    /// Title of the figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

fn one() -> usize {
    1
}

/// One axis of a sweep.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Axis {
    /// The config field it varies: a field of the data or train section, e.g. "data.gamma", "train.lr".
    #[schemars(schema_with = "param_schema")]
    pub param: String,
    /// Explicit values, or a range {"from", "to", "count", "scale"}.
    pub values: AxisValues,
    /// Axis title (default: the param).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Draw the axis in log scale (default: when the values are positive and span >= 2 decades).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<bool>,
}

/// The values of an axis.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum AxisValues {
    /// The values themselves. (First: serde would read a three-element array as a range struct.)
    #[schemars(schema_with = "value_list")]
    List(Vec<AxisValue>),
    /// `count` values from `from` to `to`.
    Range(AxisRange),
}

fn value_list(gen: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let item = gen.subschema_for::<AxisValue>();
    schemars::json_schema!({ "type": "array", "minItems": 1, "maxItems": 10_000, "items": item })
}

/// One value of a field: a number, a string, true/false, null, or a list of numbers (one per class).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum AxisValue {
    Number(f64),
    Text(String),
    Flag(bool),
    Numbers(Vec<f64>),
    Null(()),
}

/// `count` values from `from` to `to`, evenly spaced on a linear or a log scale.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AxisRange {
    pub from: f64,
    pub to: f64,
    #[schemars(range(min = 1, max = 10_000))]
    pub count: usize,
    #[serde(default)]
    pub scale: Scale,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    #[default]
    Linear,
    Log,
}

/// The fields an axis may vary: every field of the data and train sections, and train.init.sigma0.
fn param_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut paths: Vec<Value> = Vec::new();
    for (section, schema) in
        [("data", schema_of::<crate::data::DataConfig>(Contract::Input)), ("train", schema_of::<crate::train::TrainConfig>(Contract::Input))]
    {
        for key in schema["properties"].as_object().into_iter().flat_map(|p| p.keys()) {
            paths.push(Value::String(format!("{section}.{key}")));
        }
    }
    paths.push(Value::String("train.init.sigma0".into()));
    schemars::json_schema!({ "type": "string", "enum": paths })
}

impl crate::config::Config for SweepSpec {
    const SECTION: &'static str = "sweep";

    fn finish(&mut self, at: &str) -> Result<()> {
        for (name, axis) in [("x", Some(&self.x)), ("y", self.y.as_ref())] {
            if let Some(AxisValues::Range(r)) = axis.map(|a| &a.values) {
                if r.scale == Scale::Log && !(r.from > 0.0 && r.to > 0.0) {
                    let got = format!("{{\"from\":{},\"to\":{}}}", num(r.from), num(r.to));
                    return Err(Error::invalid(format!("{at}.{name}.values"), got, "from > 0 and to > 0 for a log scale"));
                }
            }
        }
        if let Some(y) = &self.y {
            if y.param == self.x.param {
                return Err(Error::invalid(format!("{at}.y.param"), format!("{:?}", y.param), "a different field than sweep.x.param"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
