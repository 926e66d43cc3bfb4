// Makes a file or folder read-only for real, also for root (who ignores permission bits): as root, a
// read-only bind mount of it (EROFS, like read-only media); otherwise chmod a-w (EACCES). Returns the undo.
import { chmodSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export function makeReadOnly(path: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['--bind', path, path]);
    execFileSync('mount', ['-o', 'remount,ro,bind', path]);
    return () => execFileSync('umount', [path]);
  }
  const mode = statSync(path).mode & 0o7777;
  chmodSync(path, mode & ~0o222);
  return () => chmodSync(path, mode);
}
