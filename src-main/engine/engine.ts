// The engine: ordinary Node code with no Electron import, so the CLI, serve mode and tests run it as is.
// It owns the open projects and the job runner; handlers are grouped by domain in ./handlers.
import { resolve } from 'node:path';
import { Project } from './project.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { holdsWriteLock, lockHolder } from './storage/project-lock.ts';
import type { SessionInfo } from '../contract/types.ts';
import { Confinement } from './path-confinement.ts';
import { OutdatedSchema, whyReadOnly } from './storage/database.ts';

export class Engine {
  readonly jobs = new JobRunner();
  readonly session: SessionInfo;
  /** Where files may be read and written: the shared folders in serve mode, anywhere otherwise. */
  readonly confinement: Confinement;
  private readonly projects = new Map<string, Project>();
  /** Read-only connections for calls that only read, where no writable one is open. */
  private readonly readers = new Map<string, Project>();

  constructor(session: Partial<SessionInfo> = {}) {
    this.session = { mode: 'cli', initialProject: null, roots: [], ...session };
    this.confinement = this.session.mode === 'serve' ? new Confinement(this.session.roots) : Confinement.none;
  }

  /** The project at `path` for a call that may write it, opened on first use (one writable connection per project). */
  project(path: string): Project {
    const full = resolve(path);
    let project = this.projects.get(full);
    // A read-only connection taken while another process was writing is reopened once that process is
    // done (nobody holds the lock now, or this process took it since).
    if (project?.lockedBy && (holdsWriteLock(full) || lockHolder(full) === null)) {
      project.close();
      project = undefined;
    }
    if (!project || !project.db.open) {
      project = this.checked(Project.open(full));
      this.projects.set(full, project);
    }
    return project;
  }

  /**
   * The project at `path` for a call that only reads: nothing is written to it (no WAL switch, marker,
   * migration or status change), so reading works on a read-only file or folder too. The writable
   * connection when one is open; a project from an older Unitscope is upgraded first when it can be.
   */
  reader(path: string): Project {
    const full = resolve(path);
    const writable = this.projects.get(full);
    if (writable?.db.open) return writable;
    let reader = this.readers.get(full);
    if (!reader || !reader.db.open) {
      try {
        reader = this.checked(Project.open(full, { readonly: true }));
      } catch (error) {
        if (error instanceof OutdatedSchema && whyReadOnly(full) === null) return this.project(full);
        throw error;
      }
      this.readers.set(full, reader);
    }
    return reader;
  }

  /** Serve mode: a project (perhaps made elsewhere, perhaps crafted) must not lead to files outside. */
  private checked(project: Project): Project {
    try {
      this.confinement.checkAll(project.referencedFiles(), project.path);
    } catch (error) {
      project.close();
      throw error;
    }
    return project;
  }

  createProject(path: string, name?: string): Project {
    const project = Project.create(path, name);
    this.projects.set(project.path, project);
    return project;
  }

  /** Forget a project (after delete or rename): closes its connection. */
  closeProject(path: string): void {
    const full = resolve(path);
    for (const open of [this.projects, this.readers]) {
      open.get(full)?.close();
      open.delete(full);
    }
  }

  close(): void {
    this.jobs.cancelAll();
    for (const open of [this.projects, this.readers]) {
      for (const project of open.values()) project.close();
      open.clear();
    }
  }
}
