//! A sequential convolutional network (convolution, ReLU, 2x2 max pooling, flatten, fully
//! connected) over one flat parameter vector in PyTorch's `state_dict` order: for every layer with
//! parameters, its weight then its bias.

use schemars::JsonSchema;
use serde::Serialize;

use super::layers::{self, ConvGeom};
use crate::error::{Error, Result};
use crate::rng::{Purpose, Stream};

/// One layer as a user describes it; shapes follow from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerSpec {
    /// Square kernel `k`, stride 1, zero padding `pad`, `out` channels.
    Conv {
        out: usize,
        k: usize,
        pad: usize,
    },
    Relu,
    /// 2 x 2 max pooling, stride 2 (odd sizes are floored, as PyTorch does).
    MaxPool2,
    Flatten,
    Linear {
        out: usize,
    },
}

/// A layer with every shape resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Conv {
        g: ConvGeom,
        w_off: usize,
        b_off: usize,
    },
    /// ReLU over `len` values per image.
    Relu {
        len: usize,
    },
    MaxPool2 {
        c: usize,
        h: usize,
        w: usize,
    },
    Flatten {
        c: usize,
        hw: usize,
    },
    Linear {
        fin: usize,
        fout: usize,
        w_off: usize,
        b_off: usize,
    },
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LayerInfo {
    pub kind: &'static str,
    /// Output shape per image: [channels, height, width] or [features].
    pub out_shape: Vec<usize>,
    /// Parameters (weight + bias) of the layer.
    pub params: usize,
    /// PyTorch's shape of the weight, when the layer has one.
    pub weight_shape: Option<Vec<usize>>,
}

#[derive(Clone, Debug)]
pub struct Net {
    /// (channels, height, width) of one input image.
    pub input: (usize, usize, usize),
    pub layers: Vec<Layer>,
    pub info: Vec<LayerInfo>,
    /// `sizes[i]`: values per image entering layer i (`sizes[layers.len()]` = classes).
    pub sizes: Vec<usize>,
    pub param_count: usize,
    pub classes: usize,
}

impl Net {
    /// Resolve the shapes of `specs` over `input`; the last layer must be fully connected.
    pub fn new(input: (usize, usize, usize), specs: &[LayerSpec]) -> Result<Net> {
        let (mut c, mut h, mut w) = input;
        if c == 0 || h == 0 || w == 0 {
            return Err(Error::invalid("classifier.input", format!("{c}x{h}x{w}"), "positive channels, height and width"));
        }
        let mut flat: Option<usize> = None;
        let mut layers = Vec::new();
        let mut info = Vec::new();
        let mut sizes = vec![c * h * w];
        let mut off = 0usize;
        for (i, s) in specs.iter().enumerate() {
            let bad = |what: &str| Error::invalid(format!("classifier.layers[{i}]"), format!("{s:?}"), what.to_string());
            let (layer, li) = match (*s, flat) {
                (LayerSpec::Conv { out, k, pad }, None) => {
                    if out == 0 || k == 0 || h + 2 * pad < k || w + 2 * pad < k {
                        return Err(bad(&format!("a kernel that fits the {h}x{w} input with padding {pad}, and at least one channel")));
                    }
                    let g = ConvGeom { cin: c, cout: out, k, pad, h, w, ho: h + 2 * pad + 1 - k, wo: w + 2 * pad + 1 - k };
                    let (w_off, b_off) = (off, off + out * g.kdim());
                    off = b_off + out;
                    (c, h, w) = (out, g.ho, g.wo);
                    (
                        Layer::Conv { g, w_off, b_off },
                        LayerInfo { kind: "conv", out_shape: vec![c, h, w], params: out * g.kdim() + out, weight_shape: Some(vec![out, g.cin, k, k]) },
                    )
                }
                (LayerSpec::MaxPool2, None) => {
                    if h < 2 || w < 2 {
                        return Err(bad(&format!("an input of at least 2x2 (got {h}x{w})")));
                    }
                    let l = Layer::MaxPool2 { c, h, w };
                    (h, w) = (h / 2, w / 2);
                    (l, LayerInfo { kind: "maxpool2", out_shape: vec![c, h, w], params: 0, weight_shape: None })
                }
                (LayerSpec::Flatten, None) => {
                    flat = Some(c * h * w);
                    (Layer::Flatten { c, hw: h * w }, LayerInfo { kind: "flatten", out_shape: vec![c * h * w], params: 0, weight_shape: None })
                }
                (LayerSpec::Relu, _) => {
                    let len = flat.unwrap_or(c * h * w);
                    let shape = flat.map(|f| vec![f]).unwrap_or(vec![c, h, w]);
                    (Layer::Relu { len }, LayerInfo { kind: "relu", out_shape: shape, params: 0, weight_shape: None })
                }
                (LayerSpec::Linear { out }, Some(fin)) => {
                    if out == 0 {
                        return Err(bad("at least one output"));
                    }
                    let (w_off, b_off) = (off, off + out * fin);
                    off = b_off + out;
                    flat = Some(out);
                    (
                        Layer::Linear { fin, fout: out, w_off, b_off },
                        LayerInfo { kind: "linear", out_shape: vec![out], params: out * fin + out, weight_shape: Some(vec![out, fin]) },
                    )
                }
                (LayerSpec::Linear { .. }, None) => return Err(bad("a flatten layer before the first fully connected one")),
                (_, Some(_)) => return Err(bad("no convolution, pooling or flatten after flatten")),
            };
            layers.push(layer);
            info.push(li);
            sizes.push(flat.unwrap_or(c * h * w));
        }
        let classes = match layers.last() {
            Some(Layer::Linear { fout, .. }) => *fout,
            _ => return Err(Error::invalid("classifier.layers", format!("{} layers", specs.len()), "a last layer that is fully connected (the logits)")),
        };
        Ok(Net { input, layers, info, sizes, param_count: off, classes })
    }

    pub fn input_len(&self) -> usize {
        self.sizes[0]
    }

    /// PyTorch's default initialisation of Conv2d and Linear (kaiming-uniform with a = sqrt 5 for
    /// the weight, which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same law for the bias),
    /// drawn from one stream per layer.
    pub fn init(&self, seed: u64) -> Vec<f32> {
        let mut p = vec![0.0f32; self.param_count];
        for (i, l) in self.layers.iter().enumerate() {
            let (fan_in, start, end) = match *l {
                Layer::Conv { g, w_off, b_off } => (g.kdim(), w_off, b_off + g.cout),
                Layer::Linear { fin, fout, w_off, b_off } => (fin, w_off, b_off + fout),
                _ => continue,
            };
            let bound = 1.0 / libm::sqrt(fan_in as f64);
            let mut s = Stream::new(seed, Purpose::ClassifierInit, i as u64);
            for v in &mut p[start..end] {
                *v = ((2.0 * s.uniform() - 1.0) * bound) as f32;
            }
        }
        p
    }

    /// Bytes of one [`Work`] for shards of `cap` images.
    pub fn work_elems(&self, cap: usize) -> u128 {
        let acts: usize = self.sizes.iter().sum::<usize>();
        let maxs = *self.sizes.iter().max().unwrap_or(&0);
        let mut cols = 0usize;
        let mut maxcols = 0usize;
        for l in &self.layers {
            if let Layer::Conv { g, .. } = l {
                cols += g.kdim() * g.ho * g.wo;
                maxcols = maxcols.max(g.kdim() * g.ho * g.wo);
            }
        }
        (cap as u128) * (acts as u128 * 2 + cols as u128 + 2 * maxs as u128 + maxcols as u128)
    }

    /// Forward pass over `bs` images whose CNHW input is in `work.acts[0]`; the logits end up in
    /// `work.acts[layers.len()]` (`bs x classes`).
    pub fn forward(&self, params: &[f32], work: &mut Work, bs: usize) {
        for (i, l) in self.layers.iter().enumerate() {
            let (before, after) = work.acts.split_at_mut(i + 1);
            let x = &before[i];
            let y = &mut after[0];
            match *l {
                Layer::Conv { g, w_off, b_off } => {
                    let cols = &mut work.cols[i];
                    layers::im2col(&g, bs, x, cols);
                    layers::conv_forward(&g, bs, &params[w_off..b_off], &params[b_off..b_off + g.cout], cols, y);
                }
                Layer::Relu { len } => {
                    for (o, v) in y[..bs * len].iter_mut().zip(&x[..bs * len]) {
                        *o = v.max(0.0);
                    }
                }
                Layer::MaxPool2 { c, h, w } => layers::maxpool_forward(c * bs, h, w, x, y, &mut work.arg[i]),
                Layer::Flatten { c, hw } => layers::flatten_forward(c, bs, hw, x, y),
                Layer::Linear { fin, fout, w_off, b_off } => layers::linear_forward(bs, fin, fout, &params[w_off..b_off], &params[b_off..b_off + fout], x, y),
            }
        }
    }

    /// Backward pass after [`Net::forward`]: `work.d0` holds d loss / d logits (`bs x classes`);
    /// the parameter gradient is accumulated into `grad`.
    pub fn backward(&self, params: &[f32], work: &mut Work, bs: usize, grad: &mut [f32]) {
        let mut cur = std::mem::take(&mut work.d0);
        let mut next = std::mem::take(&mut work.d1);
        for (i, l) in self.layers.iter().enumerate().rev() {
            let need_dx = i > 0;
            match *l {
                Layer::Conv { g, w_off, b_off } => {
                    let (dw, db) = grad[w_off..b_off + g.cout].split_at_mut(b_off - w_off);
                    let dcols = if need_dx { Some(&mut work.dcols[..]) } else { None };
                    layers::conv_backward(&g, bs, &params[w_off..b_off], &work.cols[i], &cur, dw, db, dcols);
                    if need_dx {
                        layers::col2im(&g, bs, &work.dcols, &mut next);
                    }
                }
                Layer::Relu { len } => {
                    // A select, not a branch (vectorised; half the signs are random).
                    for (d, y) in cur[..bs * len].iter_mut().zip(&work.acts[i + 1][..bs * len]) {
                        *d = if *y > 0.0 { *d } else { 0.0 };
                    }
                    continue; // in place: no swap
                }
                Layer::MaxPool2 { c, h, w } => {
                    let n_out = c * bs * (h / 2) * (w / 2);
                    layers::maxpool_backward(c * bs * h * w, &work.arg[i][..n_out], &cur[..n_out], &mut next);
                }
                Layer::Flatten { c, hw } => layers::flatten_backward(c, bs, hw, &cur, &mut next),
                Layer::Linear { fin, fout, w_off, b_off } => {
                    let (dw, db) = grad[w_off..b_off + fout].split_at_mut(b_off - w_off);
                    let dx = if need_dx { Some(&mut next[..]) } else { None };
                    layers::linear_backward(bs, fin, fout, &params[w_off..b_off], &work.acts[i], &cur, dw, db, dx);
                }
            }
            std::mem::swap(&mut cur, &mut next);
        }
        work.d0 = cur;
        work.d1 = next;
    }
}

/// Scratch buffers of one shard (reused from step to step).
pub struct Work {
    pub cap: usize,
    /// `acts[i]`: the input of layer i for the shard; `acts[layers.len()]`: the logits.
    pub acts: Vec<Vec<f32>>,
    /// im2col matrices of the convolution layers (empty for the others).
    pub cols: Vec<Vec<f32>>,
    /// argmax indices of the pooling layers (empty for the others).
    pub arg: Vec<Vec<u32>>,
    pub dcols: Vec<f32>,
    pub d0: Vec<f32>,
    pub d1: Vec<f32>,
}

impl Work {
    pub fn new(net: &Net, cap: usize) -> Work {
        let acts = net.sizes.iter().map(|s| vec![0.0f32; s * cap]).collect();
        let mut cols = Vec::new();
        let mut arg = Vec::new();
        let mut maxcols = 0;
        for l in &net.layers {
            match *l {
                Layer::Conv { g, .. } => {
                    let n = g.kdim() * g.ho * g.wo * cap;
                    maxcols = maxcols.max(n);
                    cols.push(vec![0.0f32; n]);
                    arg.push(Vec::new());
                }
                Layer::MaxPool2 { c, h, w } => {
                    cols.push(Vec::new());
                    arg.push(vec![0u32; c * (h / 2) * (w / 2) * cap]);
                }
                _ => {
                    cols.push(Vec::new());
                    arg.push(Vec::new());
                }
            }
        }
        let maxs = *net.sizes.iter().max().unwrap_or(&0) * cap;
        Work { cap, acts, cols, arg, dcols: vec![0.0; maxcols], d0: vec![0.0; maxs], d1: vec![0.0; maxs] }
    }

    /// Copy images `rows` (each `c*h*w` values, NCHW per image) into the CNHW input buffer.
    pub fn load<'a>(&mut self, c: usize, hw: usize, images: impl ExactSizeIterator<Item = &'a [f32]>) {
        let bs = images.len();
        let x = &mut self.acts[0];
        for (b, img) in images.enumerate() {
            for ci in 0..c {
                x[(ci * bs + b) * hw..(ci * bs + b + 1) * hw].copy_from_slice(&img[ci * hw..(ci + 1) * hw]);
            }
        }
    }
}
