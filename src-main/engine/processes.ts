// Whether a process that left something behind (a staging folder, a copy journal) is still running. A pid
// alone can be reused after its process ended, so the kernel's start time is kept beside it where the
// platform has one (Linux /proc); elsewhere a live pid counts as the same process.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Kernel start time of the process (Linux /proc), to tell a reused pid from the owner. */
  startTime: string | null;
}

function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted after the ")" that closes the command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, startTime: startTimeOf(process.pid) };
}

export function isRunning(owner: ProcessIdentity): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = startTimeOf(owner.pid);
  return owner.startTime === null || start === null || start === owner.startTime;
}
