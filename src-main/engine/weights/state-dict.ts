// A PyTorch state dict as read from a weights file: tensor name -> dtype, shape and (for float tensors)
// values widened to float32. Integer tensors (BatchNorm's num_batches_tracked) keep only their shape.
export interface LoadedTensor {
  dtype: string;
  shape: number[];
  values: Float32Array | null;
}

export type StateDict = Map<string, LoadedTensor>;
