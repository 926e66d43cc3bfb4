// A query whose newest call wins: starting a new load aborts the previous one (the engine cancels it),
// and a late answer from an older call is never shown. Large results are kept in $state.raw.
import { EngineCallError } from '../../../src-main/contract/client.ts';

export class Latest<T> {
  value = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  #controller: AbortController | null = null;
  #generation = 0;

  async load(fetch: (signal: AbortSignal) => Promise<T>): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const generation = ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const value = await fetch(controller.signal);
      if (generation === this.#generation) this.value = value;
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof EngineCallError && error.kind === 'cancelled') return;
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  clear(): void {
    this.#controller?.abort();
    this.#generation++;
    this.value = null;
    this.error = null;
    this.loading = false;
  }
}
