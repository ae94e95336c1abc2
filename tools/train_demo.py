#!/usr/bin/python3
"""Train fxq's demo model, a small CNN for Fashion-MNIST, and export it to ONNX.

Data: the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/, gzipped IDX files).
Needs Debian's python3-torch (1.13), python3-onnx, python3-numpy and python3-opencv; run it with
/usr/bin/python3. Only re-training needs torch: fxq itself and tools/make_demo_images.py do not.

Writes <out>/fashion_cnn.onnx (opset 13, input "input" [1,1,28,28] float, output "logits" [1,10], the
BatchNormalization nodes kept so that fxq's BN-folding pass has something to fold) and <out>/fashion_cnn.json
(accuracy, training settings, time, sizes, sha256, versions).

Preprocessing (configs/fashion-mnist-28.json): x = (p/255 - MEAN) / STD, computed in double and rounded
once to float32, as fxq does.

Deterministic: fixed seeds (python, numpy, torch), torch.use_deterministic_algorithms(True), 2 threads,
a data order drawn from the seed. The same torch build on the same CPU gives the same weights.

If node and onnxruntime-node (repository's node_modules, `npm ci --ignore-scripts`) are available, the
exported model is also run by ONNX Runtime on all 10,000 test images and its top-1 recorded.
"""

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_demo_images as demo_images  # noqa: E402  (one IDX reader, one selection rule for the eval set)

PROG = "train_demo.py"
MODEL_NAME = "fashion_cnn"
PRESET = "fashion-mnist-28"
# Mean and standard deviation of x = p/255 over the 60,000 training images (0.28604060, 0.35302424), rounded
# to 4 decimals. The preset configs/fashion-mnist-28.json holds the same two numbers.
MEAN = 0.2860
STD = 0.3530
NUM_THREADS = 2
OPSET = 13


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROG, description="Train fxq's demo CNN on Fashion-MNIST (Debian package "
                                "dataset-fashion-mnist) and export it to ONNX with a JSON record.")
    p.add_argument("--epochs", type=int, default=10, help="training epochs (default 10)")
    p.add_argument("--out", default=os.path.join(REPO, "models", "demo"),
                   help="output folder (default: models/demo in the repository)")
    p.add_argument("--seed", type=int, default=20240601, help="seed of python, numpy and torch (default 20240601)")
    p.add_argument("--batch-size", type=int, default=128, help="training batch size (default 128)")
    p.add_argument("--lr", type=float, default=0.1, help="peak SGD learning rate (default 0.1)")
    p.add_argument("--data-dir", default=demo_images.DEFAULT_DATA_DIR,
                   help=f"the package's IDX files (default {demo_images.DEFAULT_DATA_DIR})")
    p.add_argument("--no-ort", action="store_true", help="skip the ONNX Runtime check")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be >= 1")
    if args.batch_size < 1:
        p.error("--batch-size must be >= 1")
    return args


def preprocess(pixels):
    """uint8 [N,28,28] -> float32 [N,1,28,28]: (p/255 - MEAN)/STD in double, rounded once to float32."""
    x = (pixels.astype(np.float64) / 255.0 - MEAN) / STD
    return x.astype(np.float32)[:, None, :, :]


def build_model(torch):
    nn = torch.nn

    def conv_bn(cin, cout, k, relu=True):
        layers = [nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout)]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        return nn.Sequential(*layers)

    class FashionCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = conv_bn(1, 16, 3)                 # 16x28x28
            self.res_a = conv_bn(16, 16, 3)               # residual block: conv-bn-relu
            self.res_b = conv_bn(16, 16, 3, relu=False)   #                 conv-bn, + identity, relu
            self.pool1 = nn.MaxPool2d(2)                  # 16x14x14
            self.branch1 = conv_bn(16, 24, 1)             # 24x14x14
            self.branch3 = conv_bn(16, 24, 3)             # 24x14x14, concat -> 48x14x14
            self.conv3 = conv_bn(48, 64, 3)               # 64x14x14
            self.pool2 = nn.MaxPool2d(2)                  # 64x7x7
            self.conv4 = conv_bn(64, 64, 3)               # 64x7x7
            self.gap = nn.AdaptiveAvgPool2d(1)            # 64x1x1
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = self.stem(x)
            x = torch.relu(x + self.res_b(self.res_a(x)))
            x = self.pool1(x)
            x = torch.cat([self.branch1(x), self.branch3(x)], dim=1)
            x = self.pool2(self.conv3(x))
            x = self.conv4(x)
            x = torch.flatten(self.gap(x), 1)
            return self.fc(x)

    return FashionCNN()


ARCHITECTURE = [
    # (layer, output shape) in execution order; params are filled in from the model
    ("input", "1x28x28"),
    ("stem: Conv3x3 1->16, BN, ReLU", "16x28x28"),
    ("residual: Conv3x3 16->16, BN, ReLU", "16x28x28"),
    ("residual: Conv3x3 16->16, BN; Add identity; ReLU", "16x28x28"),
    ("MaxPool 2x2", "16x14x14"),
    ("branch A: Conv1x1 16->24, BN, ReLU", "24x14x14"),
    ("branch B: Conv3x3 16->24, BN, ReLU", "24x14x14"),
    ("Concat(A, B) on channels", "48x14x14"),
    ("Conv3x3 48->64, BN, ReLU", "64x14x14"),
    ("MaxPool 2x2", "64x7x7"),
    ("Conv3x3 64->64, BN, ReLU", "64x7x7"),
    ("GlobalAveragePool, Flatten", "64"),
    ("Linear 64->10 (logits, no softmax)", "10"),
]
ARCH_MODULES = [None, "stem", "res_a", "res_b", None, "branch1", "branch3", None, "conv3", None, "conv4", None, "fc"]


def predict(torch, model, x, batch=500):
    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(torch.from_numpy(x[i:i + batch])).numpy())
    return np.concatenate(out)


ORT_SCRIPT = r"""
const fs = require('fs');
const ort = require('onnxruntime-node');
(async () => {
  const [model, inPath, n, outPath] = process.argv.slice(2);
  const count = parseInt(n, 10);
  const buf = fs.readFileSync(inPath);
  const all = new Float32Array(buf.buffer, buf.byteOffset, count * 784);
  const sess = await ort.InferenceSession.create(model, {intraOpNumThreads: 1, interOpNumThreads: 1,
                                                         graphOptimizationLevel: 'disabled'});
  const logits = new Float32Array(count * 10);
  for (let i = 0; i < count; i++) {
    const t = new ort.Tensor('float32', all.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]);
    const r = await sess.run({input: t});
    logits.set(r.logits.data, i * 10);
  }
  fs.writeFileSync(outPath, Buffer.from(logits.buffer));
  const v = require('onnxruntime-node/package.json').version;
  console.log(v);
})().catch(e => { console.error(String(e)); process.exit(1); });
"""


def run_ort(onnx_path, x):
    """Logits of ONNX Runtime (onnxruntime-node, batch 1) for x, and its version; None if unavailable."""
    node = shutil.which("node")
    modules = os.path.join(REPO, "node_modules")
    if node is None or not os.path.isdir(os.path.join(modules, "onnxruntime-node")):
        print(f"{PROG}: warning: node or {modules}/onnxruntime-node missing; skipping the ONNX Runtime check",
              file=sys.stderr)
        return None, None
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "ort_check.js")
        inp = os.path.join(tmp, "x.f32")
        outp = os.path.join(tmp, "logits.f32")
        with open(script, "w") as f:
            f.write(ORT_SCRIPT)
        np.ascontiguousarray(x, dtype="<f4").tofile(inp)
        env = dict(os.environ, NODE_PATH=modules)
        r = subprocess.run([node, script, onnx_path, inp, str(len(x)), outp], env=env, capture_output=True,
                           text=True)
        if r.returncode != 0:
            print(f"{PROG}: warning: the ONNX Runtime check failed: {r.stderr.strip()}", file=sys.stderr)
            return None, None
        return np.fromfile(outp, dtype="<f4").reshape(len(x), 10), r.stdout.strip()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pct(correct, total):
    return round(100.0 * correct / total, 2)


def main(argv=None):
    args = parse_args(argv)
    try:
        import torch
    except ImportError:
        sys.stderr.write(f"{PROG}: error: torch is missing: install the Debian package python3-torch and run "
                         "with /usr/bin/python3\n")
        return 1
    import onnx

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(NUM_THREADS)

    try:
        train_px, train_y = demo_images.load_split(args.data_dir, "train")
        test_px, test_y = demo_images.load_split(args.data_dir, "test")
    except demo_images.Failure as e:
        sys.stderr.write(f"{PROG}: error: {e}\n")
        return e.code
    train_mean = float((train_px.astype(np.float64) / 255.0).mean())
    train_std = float((train_px.astype(np.float64) / 255.0).std())
    x_train = torch.from_numpy(preprocess(train_px))
    y_train = torch.from_numpy(train_y.astype(np.int64))
    x_test = preprocess(test_px)

    model = build_model(torch)
    n_params = sum(p.numel() for p in model.parameters())
    n_buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))

    steps_per_epoch = (len(x_train) + args.batch_size - 1) // args.batch_size
    total_steps = steps_per_epoch * args.epochs
    warmup = steps_per_epoch // 2
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)

    def lr_at(step):  # linear warm-up for half an epoch, then cosine to zero
        if step < warmup:
            return args.lr * (step + 1) / warmup
        t = (step - warmup) / max(1, total_steps - warmup)
        return args.lr * 0.5 * (1.0 + np.cos(np.pi * t))

    order_rng = np.random.RandomState(args.seed)
    print(f"training {n_params} parameters for {args.epochs} epochs, {steps_per_epoch} steps each, "
          f"{NUM_THREADS} threads, seed {args.seed}", flush=True)
    t0 = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        perm = torch.from_numpy(order_rng.permutation(len(x_train)))
        flips = torch.from_numpy(order_rng.rand(len(x_train)) < 0.5)  # horizontal flip, half the images
        loss_sum, correct = 0.0, 0
        for b in range(steps_per_epoch):
            idx = perm[b * args.batch_size:(b + 1) * args.batch_size]
            xb = x_train[idx]
            fb = flips[idx]
            xb[fb] = xb[fb].flip(-1)
            yb = y_train[idx]
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        test_acc = pct(int((predict(torch, model, x_test).argmax(1) == test_y).sum()), len(test_y))
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / len(x_train):.4f}, "
              f"train top-1 {pct(correct, len(x_train))}%, test top-1 {test_acc}%, "
              f"{time.time() - t0:.0f} s", flush=True)
    train_seconds = time.time() - t0

    model.eval()
    test_logits = predict(torch, model, x_test)
    torch_pred = test_logits.argmax(1)
    torch_top1 = pct(int((torch_pred == test_y).sum()), len(test_y))
    demo_idx = np.array(demo_images.select_balanced(test_y, 1000))
    torch_demo_top1 = pct(int((torch_pred[demo_idx] == test_y[demo_idx]).sum()), len(demo_idx))

    # Export. TrainingMode.PRESERVE with the model in eval mode exports inference-mode BatchNormalization
    # nodes; TrainingMode.EVAL (the default) would fold them into the convolutions.
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, MODEL_NAME + ".onnx")
    tmp_onnx = onnx_path + ".tmp"
    torch.onnx.export(model, torch.from_numpy(x_test[:1]), tmp_onnx, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    m = onnx.load(tmp_onnx)
    onnx.checker.check_model(m, full_check=True)
    op_counts = {}
    for node in m.graph.node:
        op_counts[node.op_type] = op_counts.get(node.op_type, 0) + 1
    os.replace(tmp_onnx, onnx_path)

    ort_logits, ort_version = (None, None) if args.no_ort else run_ort(onnx_path, x_test)
    ort = None
    if ort_logits is not None:
        ort_pred = ort_logits.argmax(1)
        ort = {
            "onnxruntime_node_version": ort_version,
            "test_top1_percent": pct(int((ort_pred == test_y).sum()), len(test_y)),
            "demo_eval_1000_top1_percent": pct(int((ort_pred[demo_idx] == test_y[demo_idx]).sum()),
                                               len(demo_idx)),
            "top1_agreement_with_torch_percent": pct(int((ort_pred == torch_pred).sum()), len(test_y)),
            "max_abs_logit_difference": float(np.abs(ort_logits - test_logits).max()),
        }

    modules = dict(model.named_children())
    arch = []
    for (layer, shape), name in zip(ARCHITECTURE, ARCH_MODULES):
        params = sum(p.numel() for p in modules[name].parameters()) if name else 0
        arch.append({"layer": layer, "output_shape": shape, "params": params})

    record = {
        "model": MODEL_NAME + ".onnx",
        "sha256": sha256(onnx_path),
        "size_bytes": os.path.getsize(onnx_path),
        "description": "fxq demo CNN for Fashion-MNIST: stem conv, residual block (Add), two-branch Concat, "
                       "conv/pool stage, GlobalAveragePool, Linear; BatchNormalization kept in the graph.",
        "onnx": {"opset": OPSET, "input": "input [1,1,28,28] float32", "output": "logits [1,10] float32",
                 "op_counts": dict(sorted(op_counts.items())),
                 "batch_normalization_kept": op_counts.get("BatchNormalization", 0) > 0},
        "preprocessing": {"preset": PRESET, "formula": "x = (p/255 - mean)/std", "mean": MEAN, "std": STD,
                          "train_set_mean_exact": round(train_mean, 8), "train_set_std_exact": round(train_std, 8)},
        "architecture": arch,
        "parameters": n_params,
        "bn_running_stat_values": n_buffers,
        "float_weight_bytes": 4 * (n_params + n_buffers),
        "data": {"source": "Debian package dataset-fashion-mnist (" + args.data_dir + ")",
                 "train_images": int(len(train_y)), "test_images": int(len(test_y)),
                 "demo_eval_1000": "first 100 test images of each class in file order "
                                   "(tools/make_demo_images.py --eval-count 1000)"},
        "training": {"epochs": args.epochs, "batch_size": args.batch_size, "optimizer": "SGD, momentum 0.9, "
                     "nesterov", "weight_decay": 5e-4, "lr_peak": args.lr,
                     "lr_schedule": "linear warm-up for half an epoch, then cosine to 0 (per step)",
                     "augmentation": "random horizontal flip (p=0.5)",
                     "data_order": "numpy RandomState(seed) permutation per epoch",
                     "seed": args.seed, "threads": NUM_THREADS, "deterministic_algorithms": True,
                     "train_seconds": round(train_seconds, 1)},
        "accuracy": {
            "torch_test_top1_percent": torch_top1,
            "torch_demo_eval_1000_top1_percent": torch_demo_top1,
            "onnxruntime": ort,
        },
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": NUM_THREADS},
    }
    json_path = os.path.join(args.out, MODEL_NAME + ".json")
    with open(json_path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    os.replace(json_path + ".tmp", json_path)

    print(f"torch top-1 on the 10,000 test images: {torch_top1}%  (1,000 demo eval images: {torch_demo_top1}%)")
    if ort:
        print(f"ONNX Runtime top-1: {ort['test_top1_percent']}%  (demo eval: {ort['demo_eval_1000_top1_percent']}%), "
              f"agreement with torch {ort['top1_agreement_with_torch_percent']}%, "
              f"max |logit diff| {ort['max_abs_logit_difference']:.2e}")
    print(f"BatchNormalization nodes in the ONNX: {op_counts.get('BatchNormalization', 0)}")
    print(f"wrote {onnx_path} ({record['size_bytes']} bytes) and {json_path}; training took {train_seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
