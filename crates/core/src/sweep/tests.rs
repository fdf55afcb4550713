use super::*;
use crate::config::resolve;
use serde_json::json;

fn err(v: Value) -> String {
    resolve::<SweepSpec>(&v).unwrap_err().to_string()
}

#[test]
fn the_spec_is_checked_in_the_core_words() {
    let ok = resolve::<SweepSpec>(
        &json!({"x": {"param": "data.gamma", "values": [1, 2]}, "y": {"param": "train.lr", "values": {"from": 0.01, "to": 1, "count": 3, "scale": "log"}}}),
    )
    .unwrap();
    assert_eq!(ok.seeds, 1);
    // Three numbers are three values, not a range {from, to, count} read from an array.
    let three = resolve::<SweepSpec>(&json!({"x": {"param": "data.gamma", "values": [1, 4, 16]}})).unwrap();
    assert_eq!(three.x.values, AxisValues::List(vec![AxisValue::Number(1.0), AxisValue::Number(4.0), AxisValue::Number(16.0)]));
    assert_eq!(
        err(json!({"x": {"param": "data.gamma", "values": [0.05, {}]}})),
        "sweep.x.values[1]: got {}, expected a finite number, a string, true or false, or an array of finite numbers"
    );
    assert_eq!(err(json!({"x": {"param": "data.gamma", "values": "x"}})), "sweep.x.values: got \"x\", expected an array of 1 to 10000 values that are each a finite number, a string, true or false, or an array of finite numbers, or an object with some of from, to, count, scale");
    assert!(err(json!({"x": {"param": "gamma", "values": [1]}})).starts_with("sweep.x.param: got \"gamma\", expected one of \"data.classes\", \"data.dim\""));
    assert!(
        err(json!({"x": {"param": "data.__proto__.polluted", "values": [1]}})).starts_with("sweep.x.param: got \"data.__proto__.polluted\", expected one of")
    );
    assert_eq!(
        err(json!({"x": {"param": "data.gamma", "values": {"from": 0, "to": 10, "count": 3, "scale": "log"}}})),
        "sweep.x.values: got {\"from\":0,\"to\":10}, expected from > 0 and to > 0 for a log scale"
    );
    assert_eq!(err(json!({"x": {"param": "data.gamma", "values": [1]}, "seeds": 0})), "sweep.seeds: got 0, expected an integer from 1 to 1000");
    assert_eq!(
        err(json!({"x": {"param": "data.gamma", "values": [1]}, "y": {"param": "data.gamma", "values": [2]}})),
        "sweep.y.param: got \"data.gamma\", expected a different field than sweep.x.param"
    );
}
