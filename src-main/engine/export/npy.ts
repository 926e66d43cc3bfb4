// The .npy format (version 1.0): a magic string, a Python-literal header padded to a multiple of 64
// bytes, then the raw little-endian data. Written by hand because it is ten lines and stable since 2008.
export type NpyDescr = '|u1' | '<i2' | '<i4' | '<f4' | '<f8' | `<U${number}`;

export function npyHeader(descr: NpyDescr, length: number): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${length},), }`;
  const prefix = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), prefix);
  return out;
}

/** A unicode string array (numpy '<U{width}': UTF-32LE, zero padded). */
export function npyStrings(values: readonly string[]): { descr: NpyDescr; data: Uint8Array } {
  const width = Math.max(1, ...values.map((v) => [...v].length));
  const data = new Uint8Array(values.length * width * 4);
  const view = new DataView(data.buffer);
  values.forEach((v, i) => {
    [...v].forEach((ch, j) => view.setUint32((i * width + j) * 4, ch.codePointAt(0)!, true));
  });
  return { descr: `<U${width}`, data };
}

export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
