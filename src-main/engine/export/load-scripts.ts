// The few lines that load an export into pandas or an R data.frame, written next to the data so the
// folder explains itself. Missing values (undefined CSI, t, p: NaN in the engine) are empty in CSV and
// NaN/NA elsewhere.
import type { ExportFormat } from '../../contract/results-types.ts';

export function loadPy(format: ExportFormat): string {
  const head = `# Load this Unitscope export into pandas: python3 load.py (or import it and use units, layers, manifest).
import json
import pathlib

import pandas as pd

here = pathlib.Path(__file__).resolve().parent
manifest = json.loads((here / "manifest.json").read_text())
`;
  switch (format) {
    case 'csv':
      return `${head}units = pd.read_csv(here / "units.csv")
layers = pd.read_csv(here / "layers.csv")
`;
    case 'parquet':
      return `${head}units = pd.read_parquet(here / "units.parquet")  # needs pyarrow or fastparquet
layers = pd.read_parquet(here / "layers.parquet")
`;
    default:
      return `${head}import numpy as np

with np.load(here / "units.npz") as z:
    units = pd.DataFrame({k: z[k] for k in z.files if not k.endswith("_names")})
    # model, layer and category are stored as codes into the *_names arrays.
    for column in ("model", "layer", "category"):
        units[column] = pd.Categorical.from_codes(units[column], categories=list(z[column + "_names"]))
    units["selective"] = units["selective"].astype(bool)
with np.load(here / "layers.npz") as z:
    layers = pd.DataFrame({k: z[k] for k in z.files})
`;
  }
}

export function loadR(format: ExportFormat): string {
  const head = `# Load this Unitscope export into R data.frames: source("load.R")
here <- if (!is.null(sys.frame(1)$ofile)) dirname(sys.frame(1)$ofile) else getwd()
manifest <- jsonlite::fromJSON(file.path(here, "manifest.json"))
`;
  switch (format) {
    case 'csv':
      return `${head}units <- read.csv(file.path(here, "units.csv"))
layers <- read.csv(file.path(here, "layers.csv"))
`;
    case 'parquet':
      return `${head}units <- as.data.frame(arrow::read_parquet(file.path(here, "units.parquet")))
layers <- as.data.frame(arrow::read_parquet(file.path(here, "layers.parquet")))
`;
    default:
      return `${head}np <- reticulate::import("numpy")
z <- np$load(file.path(here, "units.npz"))
names <- setdiff(z$files, c("model_names", "layer_names", "category_names"))
units <- as.data.frame(lapply(setNames(names, names), function(k) as.vector(z$get(k))))
for (column in c("model", "layer", "category")) {
  units[[column]] <- factor(z$get(paste0(column, "_names"))[units[[column]] + 1])
}
units$selective <- units$selective == 1
zl <- np$load(file.path(here, "layers.npz"))
layers <- as.data.frame(lapply(setNames(zl$files, zl$files), function(k) as.vector(zl$get(k))))
`;
  }
}
