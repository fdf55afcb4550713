//! Every config a user writes, declared once: the Rust structs (in their areas: `data`, `train`,
//! `cnn`, `covariance`, `theory`) carry each field's doc, default and bounds as serde and schemars
//! attributes. From them follow the JSON Schema (`schema/`), the TypeScript types
//! (`ts/generated/`), the CLI flags, the web form and every E_INVALID message: [`resolve`] checks
//! a JSON value against the derived schema ([`check`]), fills the defaults, then runs the config's
//! own cross-field rules ([`Config::finish`]). It is the only validator.

pub mod check;

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// A config section of an experiment file.
pub trait Config: Serialize + DeserializeOwned + JsonSchema {
    /// Its section name in an experiment file, and the prefix of its error fields ("data.dim").
    const SECTION: &'static str;
    /// Rules between fields, and defaults that depend on other fields, for the config at `at`
    /// ("train", or "train[3]" in a group). Runs after the schema check and the defaults; the
    /// words of its errors are the messages users see.
    fn finish(&mut self, _at: &str) -> Result<()> {
        Ok(())
    }
}

/// The schema users write (missing fields take their defaults) or the schema of resolved values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    Input,
    Resolved,
}

fn settings(contract: Contract) -> SchemaSettings {
    let s = SchemaSettings::draft2020_12();
    match contract {
        Contract::Input => s.for_deserialize(),
        Contract::Resolved => s.for_serialize(),
    }
}

/// The JSON Schema of `T` for a contract.
pub fn schema_of<T: JsonSchema>(contract: Contract) -> Value {
    settings(contract).into_generator().into_root_schema_for::<T>().to_value()
}

/// `T`'s input schema, generated once per type (resolving a config is on the path of every
/// training: a sweep resolves thousands).
fn input_schema<T: Config + 'static>() -> &'static Value {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<TypeId, &'static Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(TypeId::of::<T>()).or_insert_with(|| Box::leak(Box::new(schema_of::<T>(Contract::Input))))
}

/// Check `input` (null = every default) against `T`'s schema, fill the defaults and run
/// [`Config::finish`]: the resolved config, or an E_INVALID naming the field.
pub fn resolve<T: Config + 'static>(input: &Value) -> Result<T> {
    resolve_at(input, T::SECTION)
}

/// [`resolve`], naming fields from `at` (e.g. "train[2]" for a member of a group).
pub fn resolve_at<T: Config + 'static>(input: &Value, at: &str) -> Result<T> {
    let empty = Value::Object(Default::default());
    let input = if input.is_null() { &empty } else { input };
    let schema = input_schema::<T>();
    check::Checker::new(schema).check(schema, input, at)?;
    let mut t: T = serde_json::from_value(input.clone()).map_err(|e| Error::invalid(at, check::show(input), format!("a valid {} config ({e})", T::SECTION)))?;
    t.finish(at)?;
    Ok(t)
}

/// A JSON array of configs (a group), each resolved and named by its index ("train[1].lr").
pub fn parse_list<T: Config + 'static>(json: &str) -> Result<Vec<T>> {
    let v: Value = serde_json::from_str(json).map_err(|e| Error::invalid(T::SECTION, "text that is not JSON", format!("a JSON array ({e})")))?;
    let Value::Array(items) = v else { return Err(Error::invalid(T::SECTION, check::show(&v), format!("an array of {} configs", T::SECTION))) };
    items.iter().enumerate().map(|(i, x)| resolve_at(x, &format!("{}[{i}]", T::SECTION))).collect()
}

/// Run the one validator over a config built in Rust (tests, examples, the bindings' resolved
/// configs): the same checks and words as a config written by a user.
pub fn recheck<T: Config + 'static>(t: &T) -> Result<()> {
    let v = serde_json::to_value(t).map_err(|e| Error::Internal { detail: format!("{} config does not serialise: {e}", T::SECTION) })?;
    resolve::<T>(&v).map(|_| ())
}

/// Parse JSON into a plain struct (a resolved internal config, rows), naming `what` on error.
pub fn parse_json<T: DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::invalid(what, "the given JSON", format!("a valid {what} ({e})")))
}

/// [`resolve`] from JSON text.
pub fn parse<T: Config + 'static>(json: &str) -> Result<T> {
    let v: Value = serde_json::from_str(json).map_err(|e| Error::invalid(T::SECTION, "text that is not JSON", format!("a JSON object ({e})")))?;
    resolve(&v)
}

#[cfg(test)]
mod tests;
