// User settings, persisted in localStorage (the renderer's own storage in Electron and in the browser).
import { EXECUTION_PROVIDERS, type ExecutionProviderChoice } from '../../../src-main/contract/recipe.ts';

export type Theme = 'light' | 'dark';

interface Stored {
  theme: Theme;
  memoryBudgetMiB: number;
  provider: ExecutionProviderChoice;
  batch: number;
}

const KEY = 'unitscope.settings.v1';
const DEFAULTS: Stored = { theme: 'dark', memoryBudgetMiB: 2048, provider: 'auto', batch: 8 };

function load(): Stored {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Stored>;
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
  batch = $state(DEFAULTS.batch);

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
