// The results dashboard's state: the one selection every linked chart follows (run, layer, category,
// channels, unit), the queries it drives and the unit table's page. Components read it and call its
// methods; each method starts exactly the queries its choice changes (Latest: the newest wins), and only
// while the dashboard is shown, so a run chosen on another screen costs nothing until the dashboard opens.
import { Latest } from './latest.svelte.ts';
import { loadThumbnails } from './thumbnails.ts';
import type { EngineClient } from './engine-connection.ts';
import type { ResultsTable } from '../../../src-main/contract/types.ts';
import type { ChannelsResult, ConsistencyResult, CsiResult, SpatialResult, UnitInspection, UnitsPage } from '../../../src-main/contract/results-types.ts';

/** The layer x category table with the layers that have a spatial map (null: the model is gone). */
export type DashboardTable = ResultsTable & { spatialLayers: string[] | null };

/**
 * The deepest layer with a spatial map, so the spatial chart shows something at first sight (pooled 1-D
 * layers come last); the last layer when the shapes are unknown.
 */
function defaultLayer(table: DashboardTable): string | null {
  const withMap = table.spatialLayers ? table.layers.filter((l) => table.spatialLayers!.includes(l)) : [];
  return withMap[withMap.length - 1] ?? table.layers[table.layers.length - 1] ?? null;
}

/** The category with the most selective units in `layer` (an empty first category leaves every chart empty). */
function defaultCategory(table: DashboardTable, layer: string | null): string | null {
  let best: { category: string; proportion: number } | null = null;
  for (const row of table.rows) {
    if (row.layer !== layer || row.proportion <= 0) continue;
    if (!best || row.proportion > best.proportion) best = { category: row.category, proportion: row.proportion };
  }
  return best?.category ?? table.categories[0] ?? null;
}

export class ResultsDashboard {
  static readonly PAGE = 50;
  readonly table = new Latest<DashboardTable>();
  readonly csi = new Latest<CsiResult>();
  readonly channelCounts = new Latest<ChannelsResult>();
  readonly spatial = new Latest<SpatialResult>();
  readonly consistency = new Latest<ConsistencyResult>();
  readonly units = new Latest<UnitsPage>();
  readonly inspection = new Latest<UnitInspection>();
  readonly thumbnails = new Latest<Map<number, string>>();

  readonly #engine: () => EngineClient;
  readonly #path: () => string | null;
  #run = $state<number | null>(null);
  // What the user chose; null: the default the table gives.
  #layer = $state<string | null>(null);
  #category = $state<string | null>(null);
  #channels = $state.raw<number[]>([]);
  #unit = $state<number | null>(null);
  #page = $state(0);
  #shown = false;
  /** project#run whose queries were started; null: start them when the dashboard is shown. */
  #loaded: string | null = null;

  /** The table of the chosen run (not an older one still on screen). */
  readonly #current = $derived(this.table.value && this.table.value.run.id === this.#run ? this.table.value : null);
  readonly #layerShown = $derived.by(() => {
    const t = this.#current;
    if (!t) return null;
    return this.#layer !== null && t.layers.includes(this.#layer) ? this.#layer : defaultLayer(t);
  });
  readonly #categoryShown = $derived.by(() => {
    const t = this.#current;
    if (!t) return null;
    return this.#category !== null && t.categories.includes(this.#category) ? this.#category : defaultCategory(t, this.#layerShown);
  });

  constructor(engine: () => EngineClient, path: () => string | null) {
    this.#engine = engine;
    this.#path = path;
  }

  get run(): number | null {
    return this.#run;
  }
  get layer(): string | null {
    return this.#layerShown;
  }
  get category(): string | null {
    return this.#categoryShown;
  }
  get channels(): readonly number[] {
    return this.#channels;
  }
  get unit(): number | null {
    return this.#unit;
  }
  get page(): number {
    return this.#page;
  }
  get layers(): string[] {
    return this.#current?.layers ?? [];
  }
  get categories(): string[] {
    return this.#current?.categories ?? [];
  }

  /** The dashboard is on screen: start what its run needs. Returns the call for when it leaves. */
  show(): () => void {
    this.#shown = true;
    if (this.#loaded !== this.#key()) this.#loadRun();
    return () => {
      this.#shown = false;
    };
  }

  /** Another run (or none): every other choice goes back to its default. */
  selectRun(run: number | null): void {
    this.#run = run;
    this.#layer = null;
    this.#category = null;
    this.#channels = [];
    this.#unit = null;
    this.#page = 0;
    this.#loaded = null;
    if (this.#shown) this.#loadRun();
  }

  selectLayer(layer: string): void {
    this.#choose(layer, this.#categoryShown, () => this.#loadLayer());
  }

  selectCategory(category: string): void {
    this.#choose(this.#layerShown, category, () => this.#loadCategory());
  }

  /** Pins both: the one not changed stays what it is now, even when it was a default. */
  #choose(layer: string | null, category: string | null, load: () => void): void {
    if (layer === this.#layerShown && category === this.#categoryShown) return;
    this.#layer = layer;
    this.#category = category;
    this.#channels = [];
    this.#page = 0;
    load();
  }

  /** The unit table shows these channels' selective units (none: the whole layer's). */
  chooseChannels(channels: readonly number[]): void {
    if (channels.join() === this.#channels.join()) return;
    this.#channels = [...channels];
    this.#page = 0;
    this.#loadUnits();
  }

  showPage(page: number): void {
    const total = this.units.value?.total ?? 0;
    const last = Math.max(0, Math.ceil(total / ResultsDashboard.PAGE) - 1);
    const next = Math.min(Math.max(0, page), last);
    if (next === this.#page) return;
    this.#page = next;
    this.#loadUnits();
  }

  /** The unit inspector: its statistics and per-image responses, then its top images' thumbnails. */
  openUnit(unit: number): void {
    const p = this.#path(), run = this.#run, layer = this.#layerShown;
    if (!p || run === null || !layer) return;
    this.#unit = unit;
    this.thumbnails.clear();
    void this.inspection.load((signal) => this.#engine().call('results.unit', { path: p, run, layer, unit }, { signal })).then(() => {
      const top = this.inspection.value?.unit === unit ? this.inspection.value.topImages : [];
      if (this.#unit === unit && top.length > 0) void this.thumbnails.load((signal) => loadThumbnails(this.#engine(), p, top.map((t) => t.image), signal));
    });
  }

  closeUnit(): void {
    this.#unit = null;
    this.inspection.clear();
    this.thumbnails.clear();
  }

  #key(): string | null {
    const p = this.#path();
    return p && this.#run !== null ? `${p}#${this.#run}` : null;
  }

  #loadRun(): void {
    const p = this.#path(), run = this.#run;
    this.#loaded = this.#key();
    for (const q of [this.csi, this.channelCounts, this.spatial, this.units]) q.clear();
    if (!p || run === null) {
      this.table.clear();
      this.consistency.clear();
      return;
    }
    const engine = this.#engine();
    void this.consistency.load((signal) => engine.call('results.consistency', { path: p, run }, { signal }));
    void this.table
      .load(async (signal) => {
        const t = await engine.call('results.table', { path: p, run }, { signal });
        // The layers' shapes pick the default layer; a model gone from the library leaves them unknown.
        const taps = await engine.call('model.layers', { path: p, name: t.run.model }, { signal }).catch(() => null);
        return { ...t, spatialLayers: taps ? taps.filter((tap) => tap.height * tap.width > 1).map((tap) => tap.name) : null };
      })
      .then(() => {
        if (this.#current && this.#loaded === `${p}#${run}`) this.#loadCategory();
      });
  }

  #loadCategory(): void {
    const p = this.#path(), run = this.#run, category = this.#categoryShown;
    if (!p || run === null || !category) return;
    void this.csi.load((signal) => this.#engine().call('results.csi', { path: p, run, category }, { signal }));
    this.#loadLayer();
  }

  #loadLayer(): void {
    const p = this.#path(), run = this.#run, layer = this.#layerShown, category = this.#categoryShown;
    if (!p || run === null || !layer || !category) return;
    const engine = this.#engine();
    void this.channelCounts.load((signal) => engine.call('results.channels', { path: p, run, layer, category }, { signal }));
    void this.spatial.load((signal) => engine.call('results.spatial', { path: p, run, layer, category }, { signal }));
    this.#loadUnits();
  }

  /** The selective units of the layer and category (of the chosen channels), by CSI: one query. */
  #loadUnits(): void {
    const p = this.#path(), run = this.#run, layer = this.#layerShown, category = this.#categoryShown;
    if (!p || run === null || !layer || !category) return;
    const channels = this.#channels;
    const args = { path: p, run, layer, category, selectiveOnly: true, sort: 'csi' as const, offset: this.#page * ResultsDashboard.PAGE, limit: ResultsDashboard.PAGE };
    void this.units.load((signal) => this.#engine().call('results.units', channels.length > 0 ? { ...args, channels: [...channels] } : args, { signal }));
  }
}
