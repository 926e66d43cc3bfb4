#!/usr/bin/env python3
"""numpy.fft phase scrambling, the baseline of bench/scramble-phase.ts.

usage: scramble_numpy_baseline.py WORK_DIR IMAGES SIZE
Reads WORK_DIR/pixels.u8 (IMAGES x SIZE x SIZE x 3 uint8) and WORK_DIR/noise.f64 (the app's white noise
per image), scrambles every image as the app does (phase of rfft2(noise), DC phase 0, per RGB plane;
a grayscale image's equal planes once), rounds half up and clamps to uint8 like the app, and writes
WORK_DIR/numpy.u8 and the first image's first plane before rounding as WORK_DIR/numpy-plane0.f64.
Prints one JSON line: seconds (scrambling only, files already in memory).
"""
import json
import os
import sys
import time

import numpy as np


def main():
    work, images, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pixels = np.fromfile(os.path.join(work, "pixels.u8"), dtype=np.uint8).reshape(images, size, size, 3)
    noise = np.fromfile(os.path.join(work, "noise.f64"), dtype="<f8").reshape(images, size, size)
    out = np.empty_like(pixels)
    plane0 = None
    t0 = time.perf_counter()
    for i in range(images):
        phase = np.angle(np.fft.rfft2(noise[i]))
        phase[0, 0] = 0.0
        offsets = np.exp(1j * phase)
        img = pixels[i]
        gray = np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(img[..., 0], img[..., 2])
        done = None
        for c in range(3):
            if gray and done is not None:
                out[i, ..., c] = done
                continue
            scrambled = np.fft.irfft2(np.fft.rfft2(img[..., c].astype(np.float64)) * offsets, s=(size, size))
            if plane0 is None:
                plane0 = scrambled
            done = np.clip(np.floor(scrambled + 0.5), 0, 255).astype(np.uint8)
            out[i, ..., c] = done
    seconds = time.perf_counter() - t0
    out.tofile(os.path.join(work, "numpy.u8"))
    plane0.astype("<f8").tofile(os.path.join(work, "numpy-plane0.f64"))
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
