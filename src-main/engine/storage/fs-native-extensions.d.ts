// The part of fs-native-extensions (operating-system file locks, no types of its own) that project-lock.ts uses.
declare module 'fs-native-extensions' {
  /** An exclusive (or, with shared, a shared) lock on a byte range of the open file; false when another holder has it. */
  export function tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number, offset?: number, length?: number): void;
}
