//! Checks of the classifiers against an independent f64 reference: a direct (loop-nest) forward
//! pass written from PyTorch's definitions, differentiated by central finite differences.

use super::*;
use net::Layer;

fn cfg(arch: ArchName, classes: usize, batch_size: usize) -> ClassifierConfig {
    let c = arch.input().0;
    ClassifierConfig {
        arch,
        classes,
        batch_size,
        lr: 0.05,
        momentum: 0.9,
        weight_decay: 5e-4,
        seed: 7,
        mean: vec![0.0; c],
        std: vec![1.0; c],
        memory_limit: None,
        epochs: 1,
    }
}

fn images(n: usize, len: usize, seed: u64) -> Vec<f32> {
    let mut s = Stream::new(seed, Purpose::Misc, 99);
    (0..n * len).map(|_| s.normal() as f32).collect()
}

/// The loss of one image under the reference network, in f64, straight from the definitions
/// (NCHW per image, PyTorch's weight layouts).
fn reference_logits(net: &Net, p: &[f64], img: &[f64]) -> Vec<f64> {
    let (mut c, mut h, mut w) = net.input;
    let mut x: Vec<f64> = img.to_vec();
    for l in &net.layers {
        x = match *l {
            Layer::Conv { g, w_off, b_off } => {
                let (ho, wo) = (h + 2 * g.pad + 1 - g.k, w + 2 * g.pad + 1 - g.k);
                let mut y = vec![0.0; g.cout * ho * wo];
                for co in 0..g.cout {
                    for oy in 0..ho {
                        for ox in 0..wo {
                            let mut s = p[b_off + co];
                            for ci in 0..c {
                                for ki in 0..g.k {
                                    for kj in 0..g.k {
                                        let (iy, ix) = ((oy + ki) as isize - g.pad as isize, (ox + kj) as isize - g.pad as isize);
                                        if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                                            s += p[w_off + ((co * c + ci) * g.k + ki) * g.k + kj] * x[(ci * h + iy as usize) * w + ix as usize];
                                        }
                                    }
                                }
                            }
                            y[(co * ho + oy) * wo + ox] = s;
                        }
                    }
                }
                (c, h, w) = (g.cout, ho, wo);
                y
            }
            Layer::Relu { .. } => x.iter().map(|v| v.max(0.0)).collect(),
            Layer::MaxPool2 { .. } => {
                let (ho, wo) = (h / 2, w / 2);
                let mut y = vec![0.0; c * ho * wo];
                for ci in 0..c {
                    for oy in 0..ho {
                        for ox in 0..wo {
                            let at = |dy: usize, dx: usize| x[(ci * h + 2 * oy + dy) * w + 2 * ox + dx];
                            y[(ci * ho + oy) * wo + ox] = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
                        }
                    }
                }
                (h, w) = (ho, wo);
                y
            }
            Layer::Flatten { .. } => x,
            Layer::Linear { fin, fout, w_off, b_off } => {
                (0..fout).map(|o| p[b_off + o] + (0..fin).map(|i| p[w_off + o * fin + i] * x[i]).sum::<f64>()).collect()
            }
        };
    }
    x
}

fn reference_loss(net: &Net, p: &[f64], imgs: &[f64], labels: &[i32]) -> f64 {
    let len = net.input_len();
    let n = labels.len();
    let mut total = 0.0;
    for (i, &y) in labels.iter().enumerate() {
        let z = reference_logits(net, p, &imgs[i * len..(i + 1) * len]);
        let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        total += lse - z[y as usize];
    }
    total / n as f64
}

/// Compare the analytic gradient with central differences of the f64 reference at `coords`
/// (all of them when None). Returns the worst error relative to max(|fd|, 1% of the layer's largest
/// gradient).
fn check_gradient(t: &mut Trainer, imgs: &[f32], labels: &[i32], per_tensor: Option<usize>) -> f64 {
    let (loss, grad) = t.loss_and_gradient(imgs, labels).unwrap();
    let net = t.net().clone();
    let p64: Vec<f64> = t.params().iter().map(|&v| v as f64).collect();
    let x64: Vec<f64> = imgs.iter().map(|&v| v as f64).collect();
    let ref_loss = reference_loss(&net, &p64, &x64, labels);
    assert!((loss - ref_loss).abs() < 1e-5 * (1.0 + ref_loss.abs()), "loss {loss} vs reference {ref_loss}");
    let mut worst = 0.0f64;
    let mut sel = Stream::new(3, Purpose::Misc, 5);
    for l in &net.layers {
        let tensors = match *l {
            Layer::Conv { g, w_off, b_off } => vec![(w_off, b_off), (b_off, b_off + g.cout)],
            Layer::Linear { fout, w_off, b_off, .. } => vec![(w_off, b_off), (b_off, b_off + fout)],
            _ => continue,
        };
        for (a, b) in tensors {
            let gmax = grad[a..b].iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
            let coords: Vec<usize> = match per_tensor {
                Some(k) if k < b - a => (0..k).map(|_| a + sel.below((b - a) as u64) as usize).collect(),
                _ => (a..b).collect(),
            };
            for j in coords {
                let h = 1e-5;
                let mut pp = p64.clone();
                pp[j] += h;
                let up = reference_loss(&net, &pp, &x64, labels);
                pp[j] -= 2.0 * h;
                let down = reference_loss(&net, &pp, &x64, labels);
                let fd = (up - down) / (2.0 * h);
                let err = (grad[j] as f64 - fd).abs() / fd.abs().max(0.01 * gmax).max(1e-7);
                worst = worst.max(err);
            }
        }
    }
    worst
}

/// Every layer kind, odd sizes (floored pooling), padding and no padding, two channels in.
fn small_net(classes: usize) -> Net {
    use LayerSpec::*;
    Net::new(
        (2, 9, 9),
        &[
            Conv { out: 3, k: 3, pad: 1 },
            Relu,
            MaxPool2,
            Conv { out: 4, k: 3, pad: 0 },
            Relu,
            MaxPool2,
            Flatten,
            Linear { out: 5 },
            Relu,
            Linear { out: classes },
        ],
    )
    .unwrap()
}

fn small_trainer(batch: usize, seed: u64, threads: usize) -> Trainer {
    let mut c = cfg(ArchName::Lenet5, 3, batch);
    c.mean = vec![0.0; 2];
    c.std = vec![1.0; 2];
    c.seed = seed;
    Trainer::with_net(c, small_net(3), threads).unwrap()
}

#[test]
fn gradients_of_every_layer_match_finite_differences() {
    let mut t = small_trainer(8, 1, 1);
    let n = 21; // two shards, the second one partial
    let x = images(n, t.net().input_len(), 1);
    let y: Vec<i32> = (0..n as i32).map(|i| i % 3).collect();
    let worst = check_gradient(&mut t, &x, &y, None);
    eprintln!("small net: worst {worst:e}");
    assert!(worst < 2e-3, "worst relative gradient error {worst}");
}

#[test]
fn lenet5_gradients_match_finite_differences() {
    let mut t = Trainer::new(cfg(ArchName::Lenet5, 10, 4), 1).unwrap();
    assert_eq!(t.net().param_count, 61_706); // PyTorch's count for this LeNet-5
    let x = images(3, 784, 2);
    let worst = check_gradient(&mut t, &x, &[3, 7, 0], Some(12));
    eprintln!("lenet5: worst {worst:e}");
    assert!(worst < 2e-3, "worst relative gradient error {worst}");
}

#[test]
fn cifar_small_gradients_match_finite_differences() {
    let mut t = Trainer::new(cfg(ArchName::CifarSmall, 10, 4), 1).unwrap();
    let x = images(2, 3 * 32 * 32, 3);
    let worst = check_gradient(&mut t, &x, &[1, 9], Some(6));
    assert!(worst < 2e-3, "worst relative gradient error {worst}");
}

#[test]
fn predict_matches_the_reference_forward_with_normalisation() {
    let mut c = cfg(ArchName::Lenet5, 10, 4);
    c.mean = vec![0.3];
    c.std = vec![0.7];
    let mut t = Trainer::new(c, 1).unwrap();
    let x = images(19, 784, 4);
    let logits = t.predict(&x).unwrap();
    let p64: Vec<f64> = t.params().iter().map(|&v| v as f64).collect();
    for i in 0..19 {
        let img: Vec<f64> = x[i * 784..(i + 1) * 784].iter().map(|&v| (v as f64 - 0.3) / 0.7).collect();
        let z = reference_logits(t.net(), &p64, &img);
        for k in 0..10 {
            assert!((logits[i * 10 + k] as f64 - z[k]).abs() < 1e-4 * (1.0 + z[k].abs()), "image {i} class {k}");
        }
    }
}

#[test]
fn sgd_with_momentum_and_weight_decay_follows_pytorch() {
    // Full batch: the step's gradient is the gradient of the mean loss over all images.
    let n = 20;
    let mut t = small_trainer(n, 4, 1);
    let (lr, mu, wd) = (t.cfg.lr as f32, t.cfg.momentum as f32, t.cfg.weight_decay as f32);
    let x = images(n, t.net().input_len(), 5);
    let y: Vec<i32> = (0..n as i32).map(|i| (i * 7) % 3).collect();
    t.set_training_data(&x, &y).unwrap();
    let p0 = t.params().to_vec();
    let (_, g0) = t.loss_and_gradient(&x, &y).unwrap();
    t.run(1).unwrap();
    let p1 = t.params().to_vec();
    let v1: Vec<f32> = g0.iter().zip(&p0).map(|(g, p)| g + wd * p).collect();
    for j in 0..p0.len() {
        assert!((p1[j] - (p0[j] - lr * v1[j])).abs() < 1e-6, "step 1, parameter {j}");
    }
    let (_, g1) = t.loss_and_gradient(&x, &y).unwrap();
    t.run(1).unwrap();
    let p2 = t.params();
    for j in 0..p0.len() {
        let v2 = mu * v1[j] + g1[j] + wd * p1[j];
        assert!((p2[j] - (p1[j] - lr * v2)).abs() < 1e-6, "step 2, parameter {j}");
    }
}

#[test]
fn same_seed_same_model_whatever_the_thread_count() {
    let n = 150;
    let x = images(n, 2 * 81, 6);
    let y: Vec<i32> = (0..n as i32).map(|i| i % 3).collect();
    let train = |seed: u64, threads: usize| {
        let mut t = small_trainer(50, seed, threads);
        t.set_training_data(&x, &y).unwrap();
        let s = t.run(7).unwrap(); // crosses an epoch boundary (3 batches per epoch)
        assert_eq!((s.epoch, s.batch_in_epoch, s.step), (2, 1, 7));
        t.params().to_vec()
    };
    let a = train(11, 1);
    assert_eq!(a, train(11, 1));
    assert_eq!(a, train(11, 2));
    assert_eq!(a, train(11, 3));
    assert_ne!(a, train(12, 1));
}

#[test]
fn learns_a_separable_image_task() {
    // Class k: a bright 6x6 square at one of four corners of a noisy image.
    let n = 400;
    let mut s = Stream::new(1, Purpose::Misc, 1);
    let mut x = vec![0.0f32; n * 784];
    let mut y = vec![0i32; n];
    for i in 0..n {
        let k = (i % 4) as i32;
        y[i] = k;
        let (r0, c0) = [(3, 3), (3, 19), (19, 3), (19, 19)][k as usize];
        for r in 0..28 {
            for c in 0..28 {
                let on = (r0..r0 + 6).contains(&r) && (c0..c0 + 6).contains(&c);
                x[i * 784 + r * 28 + c] = (if on { 1.0 } else { 0.0 }) + 0.3 * s.normal() as f32;
            }
        }
    }
    let mut c = cfg(ArchName::Lenet5, 4, 32);
    c.lr = 0.05;
    let mut t = Trainer::new(c, 0).unwrap();
    t.set_training_data(&x[..300 * 784], &y[..300]).unwrap();
    let bpe = t.info().batches_per_epoch;
    assert_eq!(bpe, 10);
    t.run(bpe * 8).unwrap();
    let e = t.evaluate(&x[300 * 784..], &y[300..]).unwrap();
    assert!(e.correct >= 95, "test accuracy {} / 100", e.correct);
}

#[test]
fn bad_input_is_refused_with_the_field() {
    let mut c = cfg(ArchName::Lenet5, 10, 4);
    c.lr = -1.0;
    assert_eq!(Trainer::new(c, 1).err().unwrap().field(), Some("classifier.lr"));
    let mut c = cfg(ArchName::CifarSmall, 10, 4);
    c.mean = vec![0.0];
    assert_eq!(Trainer::new(c, 1).err().unwrap().field(), Some("classifier.normalize.mean"));
    let e =
        Trainer::from_json(r#"{"arch":"lenet5","classes":10,"batchSize":4,"lr":0.1,"momentum":0,"weightDecay":0,"seed":0,"mean":[0],"std":[1],"bogus":1}"#, 1)
            .err()
            .unwrap();
    assert_eq!(e.code(), "E_INVALID");
    let e = Trainer::from_json(r#"{"arch":"resnet18","classes":10,"batchSize":4,"lr":0.1,"momentum":0,"weightDecay":0,"seed":0,"mean":[0],"std":[1]}"#, 1)
        .err()
        .unwrap();
    assert_eq!(e.code(), "E_INVALID");

    let mut t = Trainer::new(cfg(ArchName::Lenet5, 10, 4), 1).unwrap();
    assert_eq!(t.run(1).err().unwrap().code(), "E_INVALID");
    assert_eq!(t.set_training_data(&[0.0; 785], &[0]).err().unwrap().code(), "E_SHAPE");
    assert_eq!(t.set_training_data(&[0.0; 784], &[0, 1]).err().unwrap().code(), "E_SHAPE");
    assert_eq!(t.set_training_data(&[0.0; 784], &[10]).err().unwrap().field(), Some("labels[0]"));
    let mut x = vec![0.0; 784 * 2];
    x[900] = f32::NAN;
    assert_eq!(t.set_training_data(&x, &[0, 1]).err().unwrap().field(), Some("images[900]"));
    assert_eq!(t.set_params(&[0.0; 3]).err().unwrap().code(), "E_SHAPE");
    assert_eq!(t.predict(&[0.0; 10]).err().unwrap().code(), "E_SHAPE");
    assert!(t.predict(&[]).unwrap().is_empty());
    let mut c = cfg(ArchName::Lenet5, 10, 4);
    c.memory_limit = Some(1000);
    assert_eq!(Trainer::new(c, 1).err().unwrap().code(), "E_TOO_LARGE");
}

#[test]
fn divergence_is_an_error_not_nans() {
    let mut c = cfg(ArchName::Lenet5, 10, 8);
    c.lr = 1e30;
    c.momentum = 0.0;
    let mut t = Trainer::new(c, 1).unwrap();
    let x = images(16, 784, 8);
    let y: Vec<i32> = (0..16).map(|i| i % 10).collect();
    t.set_training_data(&x, &y).unwrap();
    let mut err = None;
    for _ in 0..5 {
        if let Err(e) = t.run(1) {
            err = Some(e);
            break;
        }
    }
    assert_eq!(err.expect("training at lr 1e30 must diverge").code(), "E_DIVERGED");
}

#[test]
fn removal_order_is_a_seeded_permutation() {
    let a = removal_order(5, 1000).unwrap();
    let mut s = a.clone();
    s.sort();
    assert_eq!(s, (0..1000).collect::<Vec<u32>>());
    assert_eq!(a, removal_order(5, 1000).unwrap());
    assert_ne!(a, removal_order(6, 1000).unwrap());
}

#[test]
fn as_a_job_it_stops_at_each_epoch_end_and_gives_the_weights_of_run() {
    use crate::job::Job;
    let n = 140; // 3 batches of 50 per epoch, the last one 40
    let x = images(n, 2 * 81, 8);
    let y: Vec<i32> = (0..n as i32).map(|i| i % 3).collect();
    let mut plain = small_trainer(50, 5, 1);
    plain.set_training_data(&x, &y).unwrap();
    let whole = plain.run(6).unwrap();
    let mut job = small_trainer(50, 5, 1);
    job.cfg.epochs = 2;
    job.set_training_data(&x, &y).unwrap();
    assert_eq!(Job::progress(&job).total, 6);
    // Budgets of 2: the job stops at steps 2, 3 (epoch end), 5, 6 (the last epoch's end).
    let mut seen = Vec::new();
    let mut epoch_loss = 0.0;
    loop {
        let p = job.advance(2).unwrap();
        seen.push(p.done);
        if p.done == 3 {
            // The epoch's mean loss and accuracy, as run() reports them over the same batches.
            let mut again = small_trainer(50, 5, 1);
            again.set_training_data(&x, &y).unwrap();
            let s = again.run(3).unwrap();
            epoch_loss = s.loss_sum / s.samples as f64;
            assert_eq!(p.loss, Some(epoch_loss));
            assert_eq!(p.accuracy, Some(s.correct as f64 / s.samples as f64));
        }
        if p.finished {
            break;
        }
    }
    assert_eq!(seen, vec![2, 3, 5, 6]);
    assert!(epoch_loss > 0.0);
    assert_eq!(job.params(), plain.params());
    assert_eq!(whole.step, 6);
    // Finished: more calls do nothing.
    let p = job.advance(10).unwrap();
    assert_eq!((p.done, p.finished), (6, true));
    assert_eq!(job.params(), plain.params());
}
