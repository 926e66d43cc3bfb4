// The name a new model gets in the library: suggested from what the user chose (a file, a generator and
// its seed) until they type their own, and checked by the contract's Name rule and against the names the
// library has. A getter instead of an effect that writes state: the suggestion follows the choice, typing
// stops it, reset() after an add starts it again.
import { nameProblem } from '../../../../src-main/contract/names.ts';

export class ModelName {
  #typed = $state<string | null>(null);
  readonly #suggest: () => string;
  readonly #taken: () => readonly string[];

  constructor(suggest: () => string, taken: () => readonly string[] = () => []) {
    this.#suggest = suggest;
    this.#taken = taken;
  }

  get value(): string {
    return this.#typed ?? this.#suggest();
  }

  set value(typed: string) {
    this.#typed = typed;
  }

  /** Why the name cannot be used; null when it can. */
  get problem(): string | null {
    const name = this.value;
    return nameProblem(name) ?? (this.#taken().includes(name) ? `The library has a model named ${name} already.` : null);
  }

  get ok(): boolean {
    return this.problem === null;
  }

  /** After the model was added: suggest again. */
  reset(): void {
    this.#typed = null;
  }
}
