// User settings, persisted in localStorage (the renderer's own storage in Electron and in the browser).
import { EXECUTION_PROVIDERS, type ExecutionProviderChoice } from '../../../src-main/contract/recipe.ts';

export type Theme = 'light' | 'dark';

interface Stored {
  theme: Theme;
  memoryBudgetMiB: number;
  provider: ExecutionProviderChoice;
  /** null: the engine picks (1 on the CPU's exact path, else from the memory budget). */
  batch: number | null;
}

const KEY = 'unitscope.settings.v2';
// v1 stored a batch of 8 for everyone (its default), which halves exact extraction on a CPU: its other
// settings carry over, its batch does not.
const V1_KEY = 'unitscope.settings.v1';
const DEFAULTS: Stored = { theme: 'dark', memoryBudgetMiB: 2048, provider: 'auto', batch: null };

function load(): Stored {
  try {
    const stored = localStorage.getItem(KEY);
    const raw = JSON.parse(stored ?? localStorage.getItem(V1_KEY) ?? '{}') as Partial<Stored>;
    if (stored === null) delete raw.batch;
    return {
      theme: raw.theme === 'light' || raw.theme === 'dark' ? raw.theme : DEFAULTS.theme,
      memoryBudgetMiB: typeof raw.memoryBudgetMiB === 'number' && raw.memoryBudgetMiB >= 256 ? raw.memoryBudgetMiB : DEFAULTS.memoryBudgetMiB,
      provider: EXECUTION_PROVIDERS.includes(raw.provider as ExecutionProviderChoice) ? (raw.provider as ExecutionProviderChoice) : DEFAULTS.provider,
      batch: typeof raw.batch === 'number' && raw.batch >= 1 && raw.batch <= 1024 ? Math.round(raw.batch) : DEFAULTS.batch,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export class Settings {
  theme = $state<Theme>(DEFAULTS.theme);
  memoryBudgetMiB = $state(DEFAULTS.memoryBudgetMiB);
  provider = $state<ExecutionProviderChoice>(DEFAULTS.provider);
  batch = $state<number | null>(DEFAULTS.batch);

  constructor() {
    Object.assign(this, load());
  }

  save(): void {
    const value: Stored = { theme: this.theme, memoryBudgetMiB: this.memoryBudgetMiB, provider: this.provider, batch: this.batch };
    try {
      localStorage.setItem(KEY, JSON.stringify(value));
    } catch {
      // storage full or disabled: settings last for this session only
    }
  }
}

export const settings = new Settings();
