// The app's state: the engine connection, the open project, which screen shows, and the one selection
// that drives the linked charts. Screens read it; only the methods here change the project.
import type { ProjectInfo, RecentProject, RunSummary, SessionInfo } from '../../../src-main/contract/types.ts';
import type { EngineClient } from './engine-connection.ts';

export const SCREENS = ['start', 'project', 'models', 'run', 'results', 'analyses', 'compare', 'export', 'settings'] as const;
export type Screen = (typeof SCREENS)[number];

/** Layer, category, channels and unit chosen in any chart; every chart and table follows them. */
export class Selection {
  run = $state<number | null>(null);
  layer = $state<string | null>(null);
  category = $state<string | null>(null);
  /** Channels chosen by clicking or brushing the channel chart; the unit table shows their units. */
  channels = $state.raw<number[]>([]);
  unit = $state<number | null>(null);

  reset(run: number | null): void {
    this.run = run;
    this.layer = null;
    this.category = null;
    this.channels = [];
    this.unit = null;
  }
}

export class AppState {
  client = $state.raw<EngineClient | null>(null);
  session = $state.raw<SessionInfo | null>(null);
  project = $state.raw<ProjectInfo | null>(null);
  screen = $state<Screen>('start');
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  /** The engine's recent-projects list (shared with the CLI and other windows). */
  recent = $state.raw<RecentProject[]>([]);
  readonly selection = new Selection();

  finishedRuns: RunSummary[] = $derived(this.project?.runs.filter((r) => r.status === 'finished') ?? []);
  latestFinished: RunSummary | null = $derived(this.finishedRuns.reduce<RunSummary | null>((a, r) => (!a || r.id > a.id ? r : a), null));

  get engine(): EngineClient {
    if (!this.client) throw new Error('not connected to the engine');
    return this.client;
  }

  fail(error: unknown): void {
    this.error = error instanceof Error ? error.message : String(error);
  }

  async openProject(path: string, screen?: Screen): Promise<void> {
    try {
      // project.open records the project in the engine's recent list.
      this.project = await this.engine.call('project.open', { path });
      this.error = null;
      void this.loadRecent();
      this.selection.reset(this.latestFinished?.id ?? null);
      this.screen = screen ?? (this.latestFinished ? 'results' : 'project');
    } catch (error) {
      this.fail(error);
    }
  }

  async createProject(path: string, name?: string): Promise<void> {
    try {
      this.project = await this.engine.call('project.create', { path, ...(name ? { name } : {}) });
      this.error = null;
      void this.loadRecent();
      this.selection.reset(null);
      this.screen = 'project';
    } catch (error) {
      this.fail(error);
    }
  }

  /** Re-reads the open project (after an import, a run...). */
  async refresh(): Promise<void> {
    if (!this.project) return;
    try {
      this.project = await this.engine.call('project.info', { path: this.project.path });
    } catch (error) {
      this.fail(error);
    }
  }

  closeProject(): void {
    this.project = null;
    this.selection.reset(null);
    this.screen = 'start';
  }

  async loadRecent(): Promise<void> {
    try {
      this.recent = await this.engine.call('project.recent', {});
    } catch (error) {
      this.fail(error);
    }
  }
}

export const app = new AppState();
