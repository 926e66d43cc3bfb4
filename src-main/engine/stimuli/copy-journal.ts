// Files the app writes into a project's files folder (copied stimuli, scrambled controls) are recorded
// before the first byte is written: a journal NAME.files/.writing-PID-START-RANDOM.json lists every
// target, and is removed once the import's transaction has committed (or its files were removed after a
// failure). A process killed in between leaves its journal behind; the next import into the project, in
// any process, removes every listed file that no image record refers to, then the journal. So a killed
// import leaves no orphans for long, and importing again copies to the same names instead of doubling
// the files beside the orphans.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isRunning, thisProcess, type ProcessIdentity } from '../processes.ts';

const PREFIX = '.writing-';

interface JournalBody {
  owner: ProcessIdentity;
  targets: string[];
}

export class CopyJournal {
  private constructor(
    private readonly path: string,
    readonly targets: readonly string[],
  ) {}

  /** Records `targets` (absolute paths inside `filesDir`) before any of them is written. */
  static async begin(filesDir: string, targets: readonly string[]): Promise<CopyJournal> {
    await mkdir(filesDir, { recursive: true });
    const me = thisProcess();
    const path = join(filesDir, `${PREFIX}${me.pid}-${randomBytes(4).toString('hex')}.json`);
    const body: JournalBody = { owner: me, targets: [...targets] };
    // Written whole, then renamed into place: a journal is either complete or not there (nothing copied yet).
    await writeFile(`${path}.tmp`, JSON.stringify(body));
    await rename(`${path}.tmp`, path);
    return new CopyJournal(path, targets);
  }

  /**
   * After a failure: removes the files this process wrote (`written`, none of them recorded), then the
   * journal. A target it did not write may be someone else's file that appeared meanwhile: it stays.
   */
  async abandon(written: readonly string[]): Promise<void> {
    await removeFiles(written);
    await this.end();
  }

  /** The files are recorded (or gone): the journal has done its job. */
  async end(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

async function removeFiles(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((file) => rm(file, { force: true })));
  // Folders made for them (stimuli/<category>/) go too when nothing else is left in them.
  for (const folder of new Set(files.map((f) => dirname(f)))) await rmdir(folder).catch(() => undefined);
}

/**
 * Cleans up after killed writers: for every journal in `filesDir` whose process is gone, removes the
 * listed files that `isRecorded` does not claim, then the journal.
 */
export async function sweepCopyJournals(filesDir: string, isRecorded: (path: string) => boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(filesDir);
  } catch {
    return; // no files folder: nothing was ever written
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const path = join(filesDir, name);
    if (name.endsWith('.tmp')) {
      // A journal that was never completed: nothing was written after it. Only a dead writer's is removed.
      const pid = Number(name.slice(PREFIX.length).split('-')[0]);
      if (!isRunning({ pid, startTime: null })) await rm(path, { force: true });
      continue;
    }
    let body: JournalBody;
    try {
      body = JSON.parse(await readFile(path, 'utf8')) as JournalBody;
    } catch {
      continue; // unreadable now; a later import tries again
    }
    if (isRunning(body.owner)) continue;
    await removeFiles(body.targets.filter((target) => !isRecorded(target)));
    await rm(path, { force: true });
  }
}
