use super::*;
use crate::data::DataConfig;
use serde_json::json;

fn err(v: Value) -> (String, String) {
    let e = resolve::<DataConfig>(&v).unwrap_err();
    (e.field().unwrap_or("").to_string(), e.to_string())
}

#[test]
fn words_follow_the_declaration() {
    assert_eq!(err(json!({"classes": 1})).1, "data.classes: got 1, expected an integer from 2 to 1000");
    assert_eq!(err(json!({"gamma": 0.5})).1, "data.gamma: got 0.5, expected a finite number >= 1");
    assert_eq!(err(json!({"perClass": [1, 0, 2]})).0, "data.perClass[1]");
    assert_eq!(err(json!({"noise": "cauchy"})).1, "data.noise: got \"cauchy\", expected one of \"gaussian\", \"uniform\", \"rademacher\"");
    assert_eq!(err(json!({"gama": 2})).1, "data.gama: got 2, expected no unknown keys (known: classes, dim, perClass, testPerClass, featureNorm, gamma, lambda, baseEigenvalue, noise, model, seed, memoryLimit)");
    assert_eq!(err(json!({"baseEigenvalue": 0})).1, "data.baseEigenvalue: got 0, expected a finite number > 0");
    assert_eq!(err(json!({"seed": -1})).1, "data.seed: got -1, expected an integer from 0 to 2^53 - 1");
    assert_eq!(err(json!({"classes": 10, "dim": 12})).1, "data.dim: got 12, expected an integer >= 2 * classes = 20");
    assert_eq!(err(json!({"lambda": [1, -1, 1, 1, 1]})).0, "data.lambda[1]");
    assert_eq!(err(json!({"model": {"spectra": [[1]], "x": 1}})).0, "data.model.x");
    // Data that would not be finite in float32 are refused by the field at fault.
    let (f, m) = err(json!({"gamma": 1e80}));
    assert_eq!(f, "data.gamma");
    assert!(m.contains("keeps the data finite in float32"), "{m}");
    assert_eq!(err(json!({"featureNorm": [1, 1e39, 1, 1, 1]})).0, "data.featureNorm");
    assert!(resolve::<DataConfig>(&json!({"gamma": 1e60})).is_ok());
    // usize fields stop at 2^32 - 1 on every backend (wasm's usize), in the same words.
    assert_eq!(
        err(json!({"perClass": 4294967296u64})).1,
        "data.perClass: got 4294967296, expected an integer from 1 to 2^32 - 1, or an array of integers from 1 to 2^32 - 1"
    );
    let e = resolve::<crate::train::TrainConfig>(&json!({"steps": 4294967296u64})).unwrap_err();
    assert_eq!(e.to_string(), "train.steps: got 4294967296, expected an integer from 0 to 2^32 - 1");
}

/// Every type of the generated TypeScript has one name: two Rust types that schemars would
/// name alike (two `Summary`s, two `Route`s) must be renamed, or the generator refuses.
#[test]
fn generated_type_names_are_unique() {
    let all = crate::api::registry::schemas();
    for doc in ["resolved", "input"] {
        let mut seen: std::collections::HashMap<String, String> = Default::default();
        let mut parts: Vec<&Value> = all[doc].as_object().unwrap().values().collect();
        if doc == "resolved" {
            parts.extend(all["results"].as_object().unwrap().values());
        }
        for s in parts {
            for (name, def) in s.get("$defs").and_then(Value::as_object).into_iter().flatten() {
                let text = def.to_string();
                if let Some(prev) = seen.insert(name.clone(), text.clone()) {
                    assert_eq!(prev, text, "two different types named {name} in the {doc} schemas");
                }
            }
        }
    }
}

#[test]
fn defaults_fill_and_resolve_is_idempotent() {
    let c = resolve::<DataConfig>(&json!({})).unwrap();
    assert_eq!(c.classes, 5);
    assert_eq!(c.gamma, Some(1.0));
    let again = resolve::<DataConfig>(&serde_json::to_value(&c).unwrap()).unwrap();
    assert_eq!(c, again);
    println!("{}", serde_json::to_string_pretty(&crate::api::registry::schemas()).unwrap());
}
