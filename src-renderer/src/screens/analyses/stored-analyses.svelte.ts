// The run the Analyses screen shows: its layer x category table (the ablation form's choices), its stored
// analyses (analysis.list) and the one open (analysis.get); loaded when a run is shown, after an analysis
// is stored, and when one is picked.
import { Latest } from '../../lib/latest.svelte.ts';
import type { EngineClient } from '../../lib/engine-connection.ts';
import type { AnalysisSummary, StoredAnalysis } from '../../../../src-main/contract/analysis-types.ts';
import type { ResultsTable } from '../../../../src-main/contract/types.ts';

export class StoredAnalyses {
  readonly table = new Latest<ResultsTable>();
  readonly list = new Latest<AnalysisSummary[]>();
  readonly #opened = new Latest<StoredAnalysis>();
  readonly #engine: () => EngineClient;
  #openId = $state<number | null>(null);
  #shown: string | null = null;

  /** The open analysis once it has arrived (not the previous one while the next loads). */
  readonly opened = $derived(this.#opened.value && this.#opened.value.id === this.#openId ? this.#opened.value : null);

  constructor(engine: () => EngineClient) {
    this.#engine = engine;
  }

  get openId(): number | null {
    return this.#openId;
  }
  get loading(): boolean {
    return this.#opened.loading;
  }
  get error(): string | null {
    return this.#opened.error;
  }

  /** The analyses of `run`: `open` (just stored) opens, else the one open if it is the run's, else the newest. */
  async show(path: string | null, run: number | null, open?: number): Promise<void> {
    const key = path && run !== null ? `${path}#${run}` : null;
    this.#shown = key;
    if (!path || run === null) {
      this.table.clear();
      this.list.clear();
      this.select(path, null);
      return;
    }
    if (this.table.value?.run.id !== run || open === undefined) void this.table.load((signal) => this.#engine().call('results.table', { path, run }, { signal }));
    await this.list.load((signal) => this.#engine().call('analysis.list', { path, run }, { signal }));
    if (this.#shown !== key) return;
    const items = this.list.value ?? [];
    const has = (id: number | null | undefined): id is number => id !== null && id !== undefined && items.some((a) => a.id === id);
    this.select(path, has(open) ? open : has(this.#openId) ? this.#openId : (items[items.length - 1]?.id ?? null));
  }

  select(path: string | null, id: number | null): void {
    this.#openId = id;
    if (!path || id === null) return this.#opened.clear();
    void this.#opened.load((signal) => this.#engine().call('analysis.get', { path, id }, { signal }));
  }
}
