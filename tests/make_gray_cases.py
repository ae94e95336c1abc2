#!/usr/bin/python3
"""Writes ONNX Runtime cases (tests/ort/run_ort.js) for 8-bit grayscale images, preprocessed here with
NumPy and OpenCV rather than by fxq, so the demo test compares fxq with a reference it did not make.

usage: make_gray_cases.py LABELS.tsv IMAGES_DIR MEAN STD INPUT_NAME CASES_DIR
  For the k-th line "file<TAB>class" of LABELS.tsv: decodes IMAGES_DIR/file (cv2.IMREAD_GRAYSCALE),
  x = (p/255 - MEAN)/STD computed in float64 then stored as float32 (as the preset's formula),
  shape [1,1,H,W], written to CASES_DIR/case_<k>/inputs/INPUT_NAME.npy; CASES_DIR/labels.txt gets the
  classes, one per line, in the same order.
"""
import os
import sys

import cv2
import numpy as np


def main():
    if len(sys.argv) != 7:
        sys.stderr.write(__doc__)
        return 2
    labels, images, mean, std, name, cases = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
    classes = []
    with open(labels) as f:
        for k, line in enumerate(l for l in f if l.strip()):
            file, cls = line.rstrip("\n").split("\t")
            img = cv2.imread(os.path.join(images, file), cv2.IMREAD_GRAYSCALE)
            if img is None:
                sys.stderr.write(f"make_gray_cases.py: {file}: cannot decode\n")
                return 4
            x = ((img.astype(np.float64) / 255.0 - mean) / std).astype(np.float32)[None, None]
            d = os.path.join(cases, f"case_{k}", "inputs")
            os.makedirs(d, exist_ok=True)
            np.save(os.path.join(d, name + ".npy"), x)
            classes.append(cls)
    with open(os.path.join(cases, "labels.txt"), "w") as f:
        f.write("\n".join(classes) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
