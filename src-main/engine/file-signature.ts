// What a file is by its first bytes, not its name (a `.pth` is a zip, a downloaded archive may be either).
import { open } from 'node:fs/promises';

/** True when the file starts with a zip local-file header (PK\x03\x04). */
export async function isZipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}
