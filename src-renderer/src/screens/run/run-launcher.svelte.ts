// The Run screen's state: the library's models and the chosen one's layers, the recipe and execution
// settings, and what run.start would get with the messages of its schema by field (one rule per field,
// from the contract). Loaded when the screen opens and when another model is chosen.
import { Latest } from '../../lib/latest.svelte.ts';
import { checkArgs } from '../../lib/field-problems.ts';
import { settings } from '../../lib/settings.svelte.ts';
import type { EngineClient } from '../../lib/engine-connection.ts';
import type { FieldProblems } from '../../lib/field-problems.ts';
import { api, type ArgsOf, type Api } from '../../../../src-main/contract/index.ts';
import { defaultRecipe, parametersOf, type ExecutionProviderChoice, type RecipeInput, type RecipeSettings, type StatsPrecision } from '../../../../src-main/contract/recipe.ts';
import type { ModelInfo, TapInfo } from '../../../../src-main/contract/models.ts';

export class RunLauncher {
  readonly models = new Latest<ModelInfo[]>();
  readonly taps = new Latest<TapInfo[]>();
  recipe = $state<RecipeSettings>({ ...defaultRecipe });
  provider = $state<ExecutionProviderChoice>(settings.provider);
  /** null (an emptied field too): the engine picks the batch. */
  batch = $state<number | null>(settings.batch);
  precision = $state<StatsPrecision>('float64');
  readonly #engine: () => EngineClient;
  #path: string | null = null;
  // The user's choices; '' and null: the default (the first usable model, all of its layers).
  #model = $state('');
  #layers = $state.raw<string[] | null>(null);

  /** Models whose file is there. */
  readonly usable = $derived((this.models.value ?? []).filter((m) => !m.missing));
  readonly #modelShown = $derived(this.usable.some((m) => m.name === this.#model) ? this.#model : (this.usable[0]?.name ?? ''));
  readonly #layersShown = $derived(this.#layers ?? (this.taps.value ?? []).map((t) => t.name));

  constructor(engine: () => EngineClient) {
    this.#engine = engine;
  }

  get model(): string {
    return this.#modelShown;
  }
  get layers(): string[] {
    return this.#layersShown;
  }
  set layers(names: string[]) {
    this.#layers = names;
  }

  /** What run.start would get: only the settings the chosen recipe uses (the others keep their defaults). */
  readonly #draft = $derived.by(() => {
    const recipe: RecipeInput = { recipe: this.recipe.recipe };
    for (const key of parametersOf(this.recipe.recipe)) Object.assign(recipe, { [key]: this.recipe[key] });
    const all = this.#layersShown.length === (this.taps.value?.length ?? -1);
    return {
      path: this.#path ?? '',
      model: this.#modelShown,
      recipe,
      provider: this.provider,
      precision: this.precision,
      ...(settings.memoryBudgetMiB !== null ? { memoryBudgetMB: settings.memoryBudgetMiB } : {}),
      ...(this.batch !== null ? { batch: this.batch } : {}),
      ...(all ? {} : { layers: this.#layersShown }),
    } satisfies ArgsOf<Api, 'run.start'>;
  });

  readonly #checked = $derived(checkArgs(api['run.start'].args, this.#draft));

  /** The schema's messages by argument path; empty when the run can start. */
  get problems(): FieldProblems {
    return this.#checked.problems;
  }
  /** run.start's arguments, or null while a field breaks its rule (or no model or layer is chosen). */
  get args(): ArgsOf<Api, 'run.start'> | null {
    return this.#checked.args;
  }

  /** The screen opened on a project: its models, then the layers of the one shown. */
  async open(path: string | null): Promise<void> {
    this.#path = path;
    if (!path) return this.models.clear();
    await this.models.load((signal) => this.#engine().call('model.list', { path }, { signal }));
    this.#loadTaps();
  }

  chooseModel(name: string): void {
    this.#model = name;
    this.#layers = null;
    this.#loadTaps();
  }

  resetRecipe(): void {
    this.recipe = { ...defaultRecipe };
  }

  #loadTaps(): void {
    const path = this.#path, name = this.#modelShown;
    if (!path || !name) return this.taps.clear();
    void this.taps.load((signal) => this.#engine().call('model.layers', { path, name }, { signal }));
  }
}
