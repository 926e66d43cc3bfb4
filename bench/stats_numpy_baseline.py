#!/usr/bin/env python3
"""The usual lab pipeline, as the baseline of bench/stats-vs-numpy.ts.

Holds every image's activations in memory (images x units float32, as saved from a forward hook) and
runs, for every target category c and every other category k, scipy.stats.ttest_ind (Student, pooled)
followed by Benjamini-Hochberg (scipy.stats.false_discovery_control) per contrast; a unit is
c-selective iff t > 0 and q < alpha for every k. NaN tests are left out of the family, as in the engine.

usage: stats_numpy_baseline.py DATA.f32 IMAGES UNITS CATEGORIES.json OUT_MASKS.u8
Prints one JSON line: seconds (analysis only, after loading), peak RSS and RSS before loading (bytes).
"""
import json
import resource
import sys
import time

import numpy as np
import scipy.stats as st


def rss_now():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def main():
    path, images, units, cats_path, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    spec = json.load(open(cats_path))
    cats = np.asarray(spec["imageCategories"])
    targets = [k for k, c in enumerate(spec["categories"]) if c["role"] == "target"]
    K = len(spec["categories"])
    rss_before = rss_now()
    X = np.fromfile(path, dtype=np.float32).reshape(images, units)
    groups = [X[cats == k] for k in range(K)]
    t0 = time.perf_counter()
    masks = []
    for c in targets:
        selective = np.ones(units, dtype=bool)
        for k in range(K):
            if k == c:
                continue
            t, p = st.ttest_ind(groups[c], groups[k], axis=0)
            q = np.full(units, np.nan)
            ok = ~np.isnan(p)
            q[ok] = st.false_discovery_control(p[ok], method="bh")
            selective &= (t > 0) & (q < 0.05)
        masks.append(selective.astype(np.uint8))
    seconds = time.perf_counter() - t0
    np.concatenate(masks).tofile(out_path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_rss": peak, "rss_before": rss_before}))


if __name__ == "__main__":
    main()
