// User settings, persisted in localStorage (the renderer's own storage in Electron and in the browser).
// The memory budget and the default batch follow the contract's rules (contract/fields.ts): a value that
// breaks its rule is never kept, so what the Run screen sends is always valid.
import { EXECUTION_PROVIDERS, type ExecutionProviderChoice } from '../../../src-main/contract/recipe.ts';
import { BATCH, MEMORY_BUDGET_MB, numberProblem } from '../../../src-main/contract/fields.ts';

export type Theme = 'light' | 'dark';

interface Stored {
  theme: Theme;
  /** Sent with runs and reliability studies (memoryBudgetMB); null: each call's engine default. */
  memoryBudgetMiB: number | null;
  provider: ExecutionProviderChoice;
  /** null: the engine picks (1 on the CPU's exact path, else from the memory budget). */
  batch: number | null;
}

const KEY = 'unitscope.settings.v3';
// Older versions stored their defaults for everyone who opened Settings: v1 a batch of 8, which halves
// exact extraction on a CPU, and v1 and v2 a memory budget of 2048 MiB that was never sent. Their other
// settings carry over; those two do not, so nothing changes for whoever never set them.
const OLDER_KEYS = ['unitscope.settings.v2', 'unitscope.settings.v1'] as const;
const DEFAULTS: Stored = { theme: 'dark', memoryBudgetMiB: null, provider: 'auto', batch: null };

/** The rule's message for a value of a setting, or null when it may be kept. */
export function settingProblem(key: 'memoryBudgetMiB' | 'batch', value: number | null): string | null {
  return value === null ? null : numberProblem(key === 'batch' ? BATCH : MEMORY_BUDGET_MB, value);
}

function load(): Stored {
  try {
    const stored = localStorage.getItem(KEY);
    const older = OLDER_KEYS.find((key) => localStorage.getItem(key) !== null);
    const raw = JSON.parse(stored ?? (older ? localStorage.getItem(older) : null) ?? '{}') as Partial<Stored>;
    if (stored === null) delete raw.memoryBudgetMiB;
    if (stored === null && older === 'unitscope.settings.v1') delete raw.batch;
    const budget = typeof raw.memoryBudgetMiB === 'number' ? raw.memoryBudgetMiB : null;
    const batch = typeof raw.batch === 'number' ? raw.batch : null;
    return {
      theme: raw.theme === 'light' || raw.theme === 'dark' ? raw.theme : DEFAULTS.theme,
      memoryBudgetMiB: budget !== null && !settingProblem('memoryBudgetMiB', budget) ? budget : DEFAULTS.memoryBudgetMiB,
      provider: EXECUTION_PROVIDERS.includes(raw.provider as ExecutionProviderChoice) ? (raw.provider as ExecutionProviderChoice) : DEFAULTS.provider,
      batch: batch !== null && !settingProblem('batch', batch) ? batch : DEFAULTS.batch,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export class Settings {
  #values = $state<Stored>(load());

  get theme(): Theme {
    return this.#values.theme;
  }
  get memoryBudgetMiB(): number | null {
    return this.#values.memoryBudgetMiB;
  }
  get provider(): ExecutionProviderChoice {
    return this.#values.provider;
  }
  get batch(): number | null {
    return this.#values.batch;
  }

  /** Keeps and saves the changes that follow their rules; returns whether all did. */
  update(changes: Partial<Stored>): boolean {
    const kept: Partial<Stored> = {};
    let all = true;
    for (const [key, value] of Object.entries(changes) as [keyof Stored, Stored[keyof Stored]][]) {
      if ((key === 'memoryBudgetMiB' || key === 'batch') && settingProblem(key, value as number | null)) all = false;
      else Object.assign(kept, { [key]: value });
    }
    this.#values = { ...this.#values, ...kept };
    try {
      localStorage.setItem(KEY, JSON.stringify(this.#values));
    } catch {
      // storage full or disabled: settings last for this session only
    }
    return all;
  }
}

export const settings = new Settings();
