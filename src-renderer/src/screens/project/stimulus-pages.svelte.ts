// The stimulus browser's state: the category shown (the first one until another is picked), its page
// of images with their thumbnails, loaded when the project screen opens, when a category or page is
// picked and after an import or scramble changed the stimuli.
import { Latest } from '../../lib/latest.svelte.ts';
import { loadThumbnails } from '../../lib/thumbnails.ts';
import type { EngineClient } from '../../lib/engine-connection.ts';
import type { CategoryInfo, StimuliListing } from '../../../../src-main/contract/types.ts';

export class StimulusPages {
  static readonly PAGE = 48;
  readonly listing = new Latest<{ list: StimuliListing; thumbs: Map<number, string> }>();
  readonly #engine: () => EngineClient;
  readonly #path: () => string | null;
  readonly #categories: () => readonly CategoryInfo[];
  #category = $state<string | null>(null);
  #page = $state(0);
  readonly #categoryShown = $derived.by(() => {
    const all = this.#categories();
    return all.some((c) => c.name === this.#category) ? this.#category : (all[0]?.name ?? null);
  });

  constructor(engine: () => EngineClient, path: () => string | null, categories: () => readonly CategoryInfo[]) {
    this.#engine = engine;
    this.#path = path;
    this.#categories = categories;
  }

  get category(): string | null {
    return this.#categoryShown;
  }
  get page(): number {
    return this.#page;
  }

  showCategory(name: string): void {
    this.#category = name;
    this.#page = 0;
    this.reload();
  }

  showPage(page: number): void {
    this.#page = page;
    this.reload();
  }

  /** The shown page again (the screen opened, or the stimuli changed). */
  reload(): void {
    const path = this.#path(), category = this.#categoryShown, offset = this.#page * StimulusPages.PAGE;
    if (!path || !category) return this.listing.clear();
    const engine = this.#engine();
    void this.listing.load(async (signal) => {
      const list = await engine.call('stimuli.list', { path, category, offset, limit: StimulusPages.PAGE }, { signal });
      const thumbs = await loadThumbnails(engine, path, list.images.map((i) => i.id), signal);
      return { list, thumbs };
    });
  }
}
