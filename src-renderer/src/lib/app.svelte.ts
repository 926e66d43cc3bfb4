// The app's state: the engine connection, the open project, which screen shows, and the results
// dashboard whose selection drives the linked charts (its run is also the Analyses screen's). Screens
// read it; only the methods here change the project.
import type { ProjectInfo, RecentProject, RunSummary, SessionInfo } from '../../../src-main/contract/types.ts';
import type { EngineClient } from './engine-connection.ts';
import { ResultsDashboard } from './results-dashboard.svelte.ts';

export const SCREENS = ['start', 'project', 'models', 'run', 'results', 'analyses', 'compare', 'study', 'export', 'settings', 'method'] as const;
export type Screen = (typeof SCREENS)[number];

export class AppState {
  client = $state.raw<EngineClient | null>(null);
  session = $state.raw<SessionInfo | null>(null);
  project = $state.raw<ProjectInfo | null>(null);
  screen = $state<Screen>('start');
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  /** The engine's recent-projects list (shared with the CLI and other windows). */
  recent = $state.raw<RecentProject[]>([]);
  /** The docs/method.md section the Method screen shows (a tooltip's link sets it). */
  methodAnchor = $state<string | null>(null);
  readonly dashboard = new ResultsDashboard(() => this.engine, () => this.project?.path ?? null);

  finishedRuns: RunSummary[] = $derived(this.project?.runs.filter((r) => r.status === 'finished') ?? []);
  latestFinished: RunSummary | null = $derived(this.finishedRuns.reduce<RunSummary | null>((a, r) => (!a || r.id > a.id ? r : a), null));

  get engine(): EngineClient {
    if (!this.client) throw new Error('not connected to the engine');
    return this.client;
  }

  /** The default caption of an exported chart: the project, the dashboard's run (model, recipe) and n per category. */
  figureCaption(): string {
    const project = this.project;
    if (!project) return '';
    const run = project.runs.find((r) => r.id === this.dashboard.run);
    const n = project.categories.filter((c) => c.images > 0).map((c) => `${c.name} ${c.images}`).join(', ');
    const recipe = run ? ` Run ${run.id}: model ${run.model}, recipe ${run.recipe.recipe} (${run.recipe.variance}, FDR ${run.recipe.fdr}, α = ${run.recipe.alpha}).` : '';
    return `Project ${project.name}.${recipe} n images per category: ${n}.`;
  }

  showMethod(anchor: string): void {
    this.methodAnchor = anchor;
    this.screen = 'method';
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
      this.dashboard.selectRun(this.latestFinished?.id ?? null);
      // A run still going (the page was reloaded mid-run): its screen shows its progress.
      const running = this.project.runs.some((r) => r.status === 'running');
      this.screen = screen ?? (running ? 'run' : this.latestFinished ? 'results' : 'project');
    } catch (error) {
      this.fail(error);
    }
  }

  async createProject(path: string, name?: string): Promise<void> {
    try {
      this.project = await this.engine.call('project.create', { path, ...(name ? { name } : {}) });
      this.error = null;
      void this.loadRecent();
      this.dashboard.selectRun(null);
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
    this.dashboard.selectRun(null);
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
