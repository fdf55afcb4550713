// The named table of shapes every benchmark row refers to (one place, so rows stay comparable).
export const SHAPES = {
  // §5.1: K=5 classes, d=1000, 100 per class, m=100 neurons per class, full batch.
  paper: { classes: 5, dim: 1000, perClass: 100, testPerClass: 200, width: 100 },
  // One cell of the Figure 3 sweeps (same sizes as the paper).
  sweepCell: { classes: 5, dim: 1000, perClass: 100, testPerClass: 200, width: 100 },
  // Figure 4's largest class size.
  large: { classes: 5, dim: 1000, perClass: 200, testPerClass: 200, width: 100 },
  // User-given noise factors for the numerical route of `theory` (SVD, Gram products, power iteration).
  theoryExplicit: { classes: 5, dim: 512 },
  // A small shape for quick checks.
  small: { classes: 3, dim: 200, perClass: 50, testPerClass: 50, width: 32 },
  // Real data (influence scores): MNIST and CIFAR-10 training sets.
  mnist: { images: 60000, dim: 784, classes: 10 },
  cifar10: { images: 50000, dim: 3072, classes: 10 },
  // Figure 7: LeNet-5 on MNIST, batch 64 (938 batches per epoch), timed over `batches` batches.
  lenet: { images: 60000, batchSize: 64, batches: 50 },
};
