//! The registry of config sections and result types: which Rust type answers to which section
//! name ("data", "train", ...) and which result types TypeScript gets. It names every area, so it
//! lives here in `api`, at the top, and `config` (which every area uses) names none of them: no
//! module cycle.

use serde_json::Value;

use crate::config::{parse, schema_of, Contract};
use crate::error::{Error, Result};

macro_rules! sections {
    ($($name:literal => $ty:ty),* $(,)?) => {
        /// The config sections, by name: resolve one from JSON text to resolved JSON text.
        pub fn resolve_json(section: &str, json: &str) -> Result<String> {
            match section {
                $($name => Ok(serde_json::to_string(&parse::<$ty>(json)?).expect("a config serialises")),)*
                _ => Err(Error::invalid("section", format!("{section:?}"), format!("one of {}", [$(concat!("\"", $name, "\"")),*].join(", ")))),
            }
        }

        /// Every section's schema, `{ "Input": {name: schema}, "Resolved": {...} }`, for the
        /// generated TypeScript types, the CLI flags and the web form.
        pub fn schemas() -> Value {
            let mut input = serde_json::Map::new();
            let mut resolved = serde_json::Map::new();
            $(
                input.insert($name.into(), schema_of::<$ty>(Contract::Input));
                resolved.insert($name.into(), schema_of::<$ty>(Contract::Resolved));
            )*
            serde_json::json!({ "input": input, "resolved": resolved, "results": results() })
        }
    };
}

/// Result types the bindings hand over as JSON, by their TypeScript name.
fn results() -> Value {
    let r = |v: Value| v;
    serde_json::json!({
        "JobProgress": r(schema_of::<crate::job::Progress>(Contract::Resolved)),
        "VersionInfo": r(schema_of::<crate::api::VersionInfo>(Contract::Resolved)),
        "KernelInfo": r(schema_of::<crate::perf::KernelInfo>(Contract::Resolved)),
        "ModelDescription": r(schema_of::<crate::data::ModelDescription>(Contract::Resolved)),
        "EvalRecord": r(schema_of::<crate::train::EvalRecord>(Contract::Resolved)),
        "TrainSummary": r(schema_of::<crate::train::Summary>(Contract::Resolved)),
        "ModelEvaluation": r(schema_of::<crate::model::Evaluation>(Contract::Resolved)),
        "InfluenceClassInfo": r(schema_of::<crate::covariance::ClassInfo>(Contract::Resolved)),
        "FrobeniusSummary": r(schema_of::<crate::covariance::FrobeniusSummary>(Contract::Resolved)),
        "RunStats": r(schema_of::<crate::cnn::RunStats>(Contract::Resolved)),
        "EvalStats": r(schema_of::<crate::cnn::EvalStats>(Contract::Resolved)),
        "ClassifierInfo": r(schema_of::<crate::cnn::ClassifierInfo>(Contract::Resolved)),
        "TheoryReport": r(schema_of::<crate::theory::TheoryReport>(Contract::Resolved)),
        "LemmaReport": r(schema_of::<crate::theory::lemmas::LemmaReport>(Contract::Resolved)),
        "FitReport": r(schema_of::<crate::theory::fit::FitReport>(Contract::Resolved)),
        "BoundaryReport": r(schema_of::<crate::theory::boundaries::BoundaryReport>(Contract::Resolved)),
    })
}

sections! {
    "data" => crate::data::DataConfig,
    "train" => crate::train::TrainConfig,
    "classifier" => crate::cnn::ClassifierOptions,
    "influence" => crate::covariance::InfluenceOptions,
    "theory" => crate::theory::TheoryOptions,
    "fit" => crate::theory::fit::FitOptions,
    "boundaries" => crate::theory::boundaries::BoundaryOptions,
    "sweep" => crate::sweep::SweepSpec,
}
