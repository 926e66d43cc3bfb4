// The import panel's source: a folder (or CSV/TSV manifest) path and, for a folder, its sub-folders (the
// categories) each with a role guessed from its name (scrambled_X controls for X). The folder is listed
// a moment after the path stops changing, so typing a path does not list every prefix of it.
import type { EngineClient } from '../../lib/engine-connection.ts';

const SCAN_DELAY_MS = 250;

/** 'target', 'control:' (a control for none in particular) or 'control:TARGET'. */
function guessRole(name: string, all: readonly string[]): string {
  const m = /^scrambled?[_-]?(.*)$/i.exec(name);
  if (!m) return 'target';
  return all.includes(m[1] ?? '') ? `control:${m[1]}` : 'control:';
}

export class ImportSource {
  /** Sub-folder -> its role, as the user left it. */
  roles = $state<Record<string, string>>({});
  readonly #engine: () => EngineClient;
  #path = $state('');
  #folders = $state.raw<string[]>([]);
  #problem = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;

  readonly targets = $derived(this.#folders.filter((f) => this.roles[f] === 'target'));

  constructor(engine: () => EngineClient) {
    this.#engine = engine;
  }

  get path(): string {
    return this.#path;
  }
  /** A new path (typed, browsed, dropped): its sub-folders are listed shortly. */
  set path(value: string) {
    this.#path = value;
    this.#scan(value.trim());
  }
  get folders(): string[] {
    return this.#folders;
  }
  /** Why the folder could not be listed (a path still being typed, usually). */
  get problem(): string | null {
    return this.#problem;
  }

  /** Controls and the targets they stand for, as stimuli.import takes them. */
  controls(): Record<string, string | null> {
    const map: Record<string, string | null> = {};
    for (const f of this.#folders) {
      const role = this.roles[f];
      if (role?.startsWith('control:')) map[f] = role.slice('control:'.length) || null;
    }
    return map;
  }

  #scan(dir: string): void {
    clearTimeout(this.#timer);
    const generation = ++this.#generation;
    this.#folders = [];
    this.#problem = null;
    if (!dir || /\.(csv|tsv)$/i.test(dir)) return;
    this.#timer = setTimeout(() => {
      this.#engine()
        .call('fs.list', { path: dir })
        .then(
          (listing) => {
            if (generation !== this.#generation) return;
            const folders = listing.entries.filter((e) => e.kind === 'dir').map((e) => e.name);
            this.roles = Object.fromEntries(folders.map((f) => [f, guessRole(f, folders)]));
            this.#folders = folders;
          },
          (e: unknown) => {
            if (generation === this.#generation) this.#problem = e instanceof Error ? e.message : String(e);
          },
        );
    }, SCAN_DELAY_MS);
  }
}
