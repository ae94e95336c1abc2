#!/usr/bin/python3
"""Make fxq's demo calibration and evaluation images from the Debian package dataset-fashion-mnist.

Reads the package's gzipped IDX files (/usr/share/datasets/fashion-mnist/) and writes 8-bit grayscale
28x28 PNGs, pixel for pixel as stored in the IDX files:

  <out>/calib/train-NNNNN.png   calibration set: the first calib-count/10 images of each class of the
                                TRAINING set, in file order (NNNNN is the index in the IDX file)
  <out>/eval/test-NNNNN.png     evaluation set: the first eval-count/10 images of each class of the TEST set
  <out>/eval/labels.tsv         "file<TAB>class_index" per eval image, no header
  <out>/classes.tsv             "index<TAB>name" for the 10 Fashion-MNIST classes
  <out>/manifest.json           counts and sources, used to recognise an up-to-date output

When a count is not a multiple of 10, the first (count % 10) classes get one image more.
Needs only python3, numpy and OpenCV (python3-numpy, python3-opencv); not torch.

The output is written into a hidden temporary folder beside <out> and renamed into place at the end, so an
interrupted run leaves no half-made output. Running it again with the same counts does nothing.

Exit codes: 0 done (or already up to date), 1 internal error, 2 usage error, 4 the package's files (or
numpy/OpenCV) are missing or unreadable, 6 the output cannot be written.
"""

import argparse
import gzip
import json
import os
import shutil
import struct
import sys

try:
    import numpy as np
    import cv2
except ImportError as _e:  # pragma: no cover - depends on the machine
    sys.stderr.write(f"make_demo_images.py: error: {sys.executable}: {_e}: install the Debian packages "
                     "python3-numpy and python3-opencv and run with /usr/bin/python3\n")
    sys.exit(4)

PROG = "make_demo_images.py"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
DEFAULT_OUT = os.path.join(REPO, "calib", "generated", "fashion-mnist")
PACKAGE = "dataset-fashion-mnist"
MANIFEST_VERSION = 1

# Fashion-MNIST's label names (index = class index in the IDX label files).
CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

SPLITS = {
    # name: (images file, labels file, number of images)
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000),
}


class Failure(Exception):
    """A one-line error with an exit code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def read_idx(path, want_dims):
    """Reads a gzipped IDX file of unsigned bytes; returns a numpy uint8 array."""
    if not os.path.isfile(path):
        raise Failure(4, f"{path}: not found: install the Debian package {PACKAGE}")
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise Failure(4, f"{path}: cannot read: {e}")
    if len(data) < 4:
        raise Failure(4, f"{path}: not an IDX file (too short)")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08 or ndim != want_dims:
        raise Failure(4, f"{path}: not an IDX file of unsigned bytes with {want_dims} dimension(s)")
    header = 4 + 4 * ndim
    shape = struct.unpack(">" + "I" * ndim, data[4:header])
    size = int(np.prod(shape))
    if len(data) != header + size:
        raise Failure(4, f"{path}: {len(data) - header} data bytes, expected {size} for shape {shape}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_split(data_dir, split):
    images_name, labels_name, count = SPLITS[split]
    images = read_idx(os.path.join(data_dir, images_name), 3)
    labels = read_idx(os.path.join(data_dir, labels_name), 1)
    if images.shape != (count, 28, 28) or labels.shape != (count,):
        raise Failure(4, f"{os.path.join(data_dir, images_name)}: shape {images.shape} with {labels.shape[0]} "
                         f"labels, expected ({count}, 28, 28) with {count}")
    if labels.max() > 9:
        raise Failure(4, f"{os.path.join(data_dir, labels_name)}: class index {labels.max()} out of 0..9")
    return images, labels


def select_balanced(labels, count):
    """Indices of the first count//10 (+1 for the first count%10 classes) images of each class, in file order."""
    quota = [count // 10 + (1 if c < count % 10 else 0) for c in range(10)]
    available = np.bincount(labels, minlength=10)
    for c in range(10):
        if quota[c] > available[c]:
            raise Failure(2, f"count {count} needs {quota[c]} images of class {c}, the split has {available[c]}")
    taken = [0] * 10
    chosen = []
    for i, c in enumerate(labels.tolist()):
        if taken[c] < quota[c]:
            taken[c] += 1
            chosen.append(i)
            if len(chosen) == count:
                break
    return chosen


def write_png(path, image):
    if not cv2.imwrite(path, image):
        raise Failure(6, f"{path}: cannot write PNG")


def expected_manifest(args):
    return {
        "version": MANIFEST_VERSION,
        "source": f"Debian package {PACKAGE} ({args.data_dir})",
        "calib": {"split": "train", "count": args.calib_count, "selection": "first count/10 of each class in file order"},
        "eval": {"split": "test", "count": args.eval_count, "selection": "first count/10 of each class in file order"},
        "format": "8-bit grayscale PNG, 28x28, pixels as stored in the IDX files",
    }


def up_to_date(out, manifest):
    """True when out holds a complete output made with the same counts."""
    try:
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            found = json.load(f)
    except (OSError, ValueError):
        return False
    if found != manifest:
        return False
    try:
        calib = [n for n in os.listdir(os.path.join(out, "calib")) if n.endswith(".png")]
        evals = [n for n in os.listdir(os.path.join(out, "eval")) if n.endswith(".png")]
        with open(os.path.join(out, "eval", "labels.tsv"), encoding="utf-8") as f:
            label_lines = [line for line in f if line.strip()]
    except OSError:
        return False
    return (len(calib) == manifest["calib"]["count"] and len(evals) == manifest["eval"]["count"]
            and len(label_lines) == manifest["eval"]["count"]
            and os.path.isfile(os.path.join(out, "classes.tsv")))


def build(tmp, args):
    calib_dir = os.path.join(tmp, "calib")
    eval_dir = os.path.join(tmp, "eval")
    os.makedirs(calib_dir)
    os.makedirs(eval_dir)

    train_images, train_labels = load_split(args.data_dir, "train")
    for i in select_balanced(train_labels, args.calib_count):
        write_png(os.path.join(calib_dir, f"train-{i:05d}.png"), train_images[i])

    test_images, test_labels = load_split(args.data_dir, "test")
    rows = []
    for i in select_balanced(test_labels, args.eval_count):
        name = f"test-{i:05d}.png"
        write_png(os.path.join(eval_dir, name), test_images[i])
        rows.append(f"{name}\t{int(test_labels[i])}\n")
    with open(os.path.join(eval_dir, "labels.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(rows)

    with open(os.path.join(tmp, "classes.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(f"{i}\t{name}\n" for i, name in enumerate(CLASS_NAMES))

    # A spot check that PNG round-trips the pixels exactly.
    first = os.path.join(eval_dir, rows[0].split("\t")[0])
    back = cv2.imread(first, cv2.IMREAD_UNCHANGED)
    if back is None or back.dtype != np.uint8 or back.shape != (28, 28):
        raise Failure(1, f"{first}: PNG did not read back as 8-bit 28x28 grayscale")

    with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(expected_manifest(args), f, indent=2)
        f.write("\n")


def remove_stale_temps(parent, base):
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        if name.startswith(f".{base}.tmp-") or name.startswith(f".{base}.old-"):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def run(args):
    if args.calib_count < 1 or args.calib_count > 60000:
        raise Failure(2, f"--calib-count {args.calib_count}: must be 1..60000")
    if args.eval_count < 1 or args.eval_count > 10000:
        raise Failure(2, f"--eval-count {args.eval_count}: must be 1..10000")

    out = os.path.abspath(args.out)
    manifest = expected_manifest(args)
    if up_to_date(out, manifest):
        print(f"{out}: already made with {args.calib_count} calibration and {args.eval_count} evaluation images; "
              "nothing to do")
        return 0
    # Fail on a missing package before touching the output folder.
    for split in SPLITS.values():
        for name in split[:2]:
            path = os.path.join(args.data_dir, name)
            if not os.path.isfile(path):
                raise Failure(4, f"{path}: not found: install the Debian package {PACKAGE}")

    parent, base = os.path.split(out)
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as e:
        raise Failure(6, f"{parent}: cannot create folder: {e.strerror}")
    remove_stale_temps(parent, base)
    tmp = os.path.join(parent, f".{base}.tmp-{os.getpid()}")
    old = os.path.join(parent, f".{base}.old-{os.getpid()}")
    try:
        try:
            build(tmp, args)
        except OSError as e:
            raise Failure(6, f"{e.filename or tmp}: cannot write: {e.strerror}")
        moved_old = False
        try:
            if os.path.lexists(out):
                os.rename(out, old)
                moved_old = True
            os.rename(tmp, out)
        except OSError as e:
            if moved_old and not os.path.lexists(out):
                os.rename(old, out)  # put the previous output back
            raise Failure(6, f"{out}: cannot move the new output into place: {e.strerror}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    print(f"{out}: wrote {args.calib_count} calibration images (training set), {args.eval_count} evaluation "
          f"images (test set) with eval/labels.tsv, and classes.tsv")
    return 0


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{PROG}: error: {message}\n")
        sys.exit(2)


def main(argv=None):
    p = Parser(prog=PROG, description="Write fxq's demo calibration and evaluation PNGs from the Debian package "
                                      "dataset-fashion-mnist.",
               epilog="Exit codes: 0 done or up to date, 2 usage error, 4 package files missing or unreadable, "
                      "6 output cannot be written.")
    p.add_argument("--calib-count", type=int, default=500,
                   help="calibration images from the training set, balanced over the classes (default 500)")
    p.add_argument("--eval-count", type=int, default=1000,
                   help="labelled evaluation images from the test set, balanced over the classes (default 1000)")
    p.add_argument("--out", default=DEFAULT_OUT,
                   help="output folder (default: calib/generated/fashion-mnist in the repository)")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                   help=f"where the package's IDX files are (default {DEFAULT_DATA_DIR})")
    args = p.parse_args(argv)
    try:
        return run(args)
    except Failure as e:
        sys.stderr.write(f"{PROG}: error: {e}\n")
        return e.code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted; no output written\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
