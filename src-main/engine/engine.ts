// The engine: ordinary Node code with no Electron import, so the CLI, serve mode and tests run it as is.
// It owns the open projects and the job runner; handlers are grouped by domain in ./handlers.
import { resolve } from 'node:path';
import { Project } from './project.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { holdsWriteLock, lockHolder } from './storage/project-lock.ts';
import type { SessionInfo } from '../contract/types.ts';
import { Confinement } from './path-confinement.ts';

export class Engine {
  readonly jobs = new JobRunner();
  readonly session: SessionInfo;
  /** Where files may be read and written: the shared folders in serve mode, anywhere otherwise. */
  readonly confinement: Confinement;
  private readonly projects = new Map<string, Project>();

  constructor(session: Partial<SessionInfo> = {}) {
    this.session = { mode: 'cli', initialProject: null, roots: [], ...session };
    this.confinement = this.session.mode === 'serve' ? new Confinement(this.session.roots) : Confinement.none;
  }

  /** The open project at `path`, opening it on first use. One connection per project per engine. */
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
      project = Project.open(full);
      try {
        // Serve mode: a project (perhaps made elsewhere, perhaps crafted) must not lead to files outside.
        this.confinement.checkAll(project.referencedFiles(), full);
      } catch (error) {
        project.close();
        throw error;
      }
      this.projects.set(full, project);
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
    this.projects.get(full)?.close();
    this.projects.delete(full);
  }

  close(): void {
    for (const project of this.projects.values()) project.close();
    this.projects.clear();
  }
}
