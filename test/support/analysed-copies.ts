// A tiny project with one finished run (run #1), made once per test file, and copies of it (with its
// files folder) in folders of their own, for tests that damage, lock or make read-only a project.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from '../../src-main/engine/project.ts';
import { runAnalysis } from '../../src-main/engine/runs/run-analysis.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';

export interface AnalysedCopies {
  /** The scratch folder: copies, exports and anything else the test makes go here. */
  dir: string;
  /** A new copy of the project in the folder `name`; returns its project file. */
  copyOf(name: string): string;
  remove(): void;
}

export async function analysedCopies(prefix: string, file: string): Promise<AnalysedCopies> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const source = join(dir, 'src');
  mkdirSync(source);
  await makeTinyProject(join(source, file), 4, 9);
  const project = Project.open(join(source, file));
  await runAnalysis(project, { model: 'tiny' });
  project.close();
  return {
    dir,
    copyOf(name) {
      cpSync(source, join(dir, name), { recursive: true });
      return join(dir, name, file);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
