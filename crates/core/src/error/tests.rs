use super::*;

#[test]
fn numbers_and_sizes_read_well() {
    let e = Error::Diverged { step: 3, loss: f64::INFINITY, lr: 1e300 };
    assert_eq!(e.to_string(), "training diverged at step 3: the loss became Infinity; try a smaller learning rate than 1e+300");
    assert_eq!(human_bytes(u64::MAX), "more than 16 EiB");
    assert_eq!(human_bytes(3 << 60), "3.0 EiB");
    assert_eq!(crate::config::check::num(1e-9), "1e-9");
    assert_eq!(crate::config::check::num(0.05), "0.05");
    assert_eq!(crate::config::check::num(2000.0), "2000");
}
