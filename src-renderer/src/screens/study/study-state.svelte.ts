// The Study screen's state: the library's models and the ones chosen, the recipe, the project's stored
// studies and the open one's data (figures are drawn from it), and the one long task of running or
// resuming a study. Components read it and call its methods.
import { api, type Api } from '../../../../src-main/contract/index.ts';
import type { ArgsOf } from '../../../../src-main/contract/define.ts';
import { checkArgs, type FieldProblems } from '../../lib/field-problems.ts';
import type { ModelInfo } from '../../../../src-main/contract/models.ts';
import { defaultRecipe, parametersOf, type RecipeInput, type RecipeSettings } from '../../../../src-main/contract/recipe.ts';
import type { StudyData, StudyInfo } from '../../../../src-main/contract/study-types.ts';
import type { EngineClient } from '../../lib/engine-connection.ts';
import { Latest } from '../../lib/latest.svelte.ts';
import { LongTask } from '../../lib/task.svelte.ts';

export class StudyState {
  readonly models = new Latest<ModelInfo[]>();
  readonly studies = new Latest<StudyInfo[]>();
  readonly data = new Latest<StudyData>();
  readonly task = new LongTask();
  chosen = $state<string[]>([]);
  recipe = $state<RecipeSettings>({ ...defaultRecipe });
  consistency = $state(true);
  /** The comparisons' bootstrap iterations; null: the engine's default. */
  iterations = $state<number | null>(null);
  open = $state<number | null>(null);
  message = $state<string | null>(null);

  constructor(
    private readonly engine: () => EngineClient,
    private readonly path: () => string | null,
  ) {}

  async load(): Promise<void> {
    const path = this.path();
    if (!path) return;
    await Promise.all([
      this.models.load((signal) => this.engine().call('model.list', { path }, { signal })),
      this.studies.load((signal) => this.engine().call('study.list', { path }, { signal })),
    ]);
    const finished = (this.studies.value ?? []).filter((s) => s.status === 'finished');
    if (this.open === null && finished.length) this.show(finished[finished.length - 1]!.id);
  }

  toggle(model: string, on: boolean): void {
    this.chosen = on ? [...this.chosen.filter((m) => m !== model), model] : this.chosen.filter((m) => m !== model);
  }

  /** What study.start would get: the models in the order they were ticked, and the settings the recipe uses. */
  readonly #draft = $derived.by(() => {
    const recipe: RecipeInput = { recipe: this.recipe.recipe };
    for (const key of parametersOf(this.recipe.recipe)) Object.assign(recipe, { [key]: this.recipe[key] });
    return { path: this.path() ?? '', models: [...this.chosen], recipe, consistency: this.consistency, ...(this.iterations !== null ? { iterations: this.iterations } : {}) } satisfies ArgsOf<Api, 'study.start'>;
  });

  readonly #checked = $derived(checkArgs(api['study.start'].args, this.#draft));

  /** The schema's messages by argument path ("models", "recipe.alpha"); empty when the study can start. */
  get problems(): FieldProblems {
    return this.#checked.problems;
  }

  get args(): ArgsOf<Api, 'study.start'> | null {
    return this.#checked.args;
  }

  show(id: number): void {
    const path = this.path();
    if (!path) return;
    this.open = id;
    void this.data.load((signal) => this.engine().call('study.data', { path, id }, { signal }));
  }

  async start(): Promise<void> {
    const args = this.args;
    if (!args) return;
    await this.track((signal, onProgress) => this.engine().call('study.start', args, { signal, onProgress }));
  }

  async resume(id: number): Promise<void> {
    const path = this.path();
    if (!path) return;
    await this.track((signal, onProgress) => this.engine().call('study.resume', { path, id }, { signal, onProgress }));
  }

  private async track(body: Parameters<LongTask['run']>[0]): Promise<void> {
    this.message = null;
    const study = (await this.task.run(body)) as StudyInfo | null;
    if (study) {
      const reused = study.runs.filter((r) => r.reused).length;
      this.message = `Study ${study.id} finished: ${study.runs.length - reused} of ${study.runs.length} models run, ${reused} reused (already finished with these settings), ${study.comparisons.length} comparisons.`;
      this.open = null;
      this.show(study.id);
    } else if (this.task.cancelled) this.message = 'The study was cancelled; resume it from the list.';
    await this.load();
  }
}
