// The methods paragraph of a study report, generated from the runs' manifests so it states exactly what
// was computed: stimuli and counts, preprocessing, models with sha256 and source, taps, the recipe with
// its FDR family and alpha, the comparison tests, and the software. Plain text in sentences (the report
// escapes it); numbers formatted for reading.
import { RECIPE_TABLE, effectiveSettings } from '../../../src-main/contract/recipe.ts';
import type { Preprocessing } from '../../../src-main/contract/preprocessing.ts';
import type { StudyData, StudyRunData } from '../../../src-main/contract/study-types.ts';

const count = (n: number) => n.toLocaleString('en-US');

interface ManifestView {
  app?: { version?: string };
  stimuli?: { hash?: string; count?: number; categories?: { name: string; role: string; controlsFor: string | null; images: number }[] };
  execution?: { provider?: string | null; precision?: string; batch?: number | null };
  platform?: { os?: string; arch?: string; node?: string; cpus?: number; cpuModel?: string };
}

const view = (run: StudyRunData): ManifestView => (run.manifest ?? {}) as ManifestView;

function preprocessingText(p: Preprocessing | null): string {
  if (!p || typeof p !== 'object' || !('inputSize' in p)) return 'with the preprocessing recorded in its manifest';
  const [h, w] = p.inputSize;
  const resize = p.resize === 'shorter-side' ? `resized (${p.interpolation}${p.antialias ? ', antialiased' : ''}) so the shorter side is ${p.resizeTo} px` : p.resize === 'exact' ? `resized to ${h} × ${w} px (${p.interpolation})` : 'used at their size';
  const crop = p.centerCrop ? `, centre-cropped to ${h} × ${w} px` : '';
  const norm = p.mean.some((v) => v !== 0) || p.std.some((v) => v !== 1) ? `, normalized with mean (${p.mean.map((v) => v.toFixed(3)).join(', ')}) and s.d. (${p.std.map((v) => v.toFixed(3)).join(', ')})` : ', not normalized';
  return `with the ${p.preset} preset: images ${resize}${crop}${norm}`;
}

function tapsText(run: StudyRunData): string {
  const taps = run.model.taps;
  if (taps.length === 0) return 'its recorded taps';
  const units = taps.reduce((s, t) => s + t.units, 0);
  return `${taps.length} taps (${taps[0]!.name} to ${taps[taps.length - 1]!.name}; ${count(units)} units in all)`;
}

export function methodsParagraphs(data: StudyData): string[] {
  const first = data.runs[0];
  if (!first) return [];
  const m = view(first);
  const categories = m.stimuli?.categories ?? [];
  const stimuli = `The stimulus set had ${count(m.stimuli?.count ?? 0)} images in ${categories.length} categories (${categories
    .map((c) => `${c.name}: ${count(c.images)}${c.role === 'control' ? `, a control${c.controlsFor ? ` for ${c.controlsFor}` : ''}` : ''}`)
    .join('; ')}), set hash sha256 ${m.stimuli?.hash ?? 'unknown'}.`;
  const models = data.runs
    .map((r) => `${r.model.name} (sha256 ${r.model.sha256}; ${count(r.model.bytes)} bytes; source: ${r.model.source ?? 'not recorded'}), ${preprocessingText(r.model.preprocessing as Preprocessing | null)}, recorded at ${tapsText(r)} in run ${r.run.id}`)
    .join('; ');
  const recipe = effectiveSettings(first.run.recipe);
  const spec = RECIPE_TABLE[recipe.recipe];
  const recipeText = `Units were called selective with the ${recipe.recipe} recipe (${spec.meaning}; ${spec.docs}), ${recipe.variance === 'welch' ? 'Welch' : 'pooled-variance (Student)'} t-tests, ${recipe.fdr === 'none' ? 'no correction for multiple comparisons' : `${recipe.fdr.toUpperCase()} correction over the units of each layer per contrast`}, α = ${recipe.alpha}, targets tested against ${recipe.against}${recipe.recipe === 'top-k' ? `, top ${recipe.topk} % per ${recipe.topkScope}` : ''}${recipe.recipe === 'dprime' ? `, d′ > ${recipe.dprime}` : ''}${recipe.recipe === 'ranksum-maxp' ? `, max rank-sum p < ${recipe.ranksumP}` : ''}; seed ${recipe.seed}.`;
  const metrics = [...new Set(data.comparisons.flatMap((c) => c.rows.map((r) => r.metric)))];
  const bootstraps = [...new Set(data.comparisons.map((c) => (c.bootstrap ? `${count(c.bootstrap.iterations)} iterations, seed ${c.bootstrap.seed}, ${count(c.bootstrap.unitsPerStratum)} units per stratum, ${c.bootstrap.weights} weights` : '')).filter(Boolean))];
  const unavailable = [...new Set(data.comparisons.map((c) => c.imageLevelUnavailable).filter((v): v is string => !!v))];
  const warnings = [...new Set(data.comparisons.flatMap((c) => c.warnings))];
  const compare = data.comparisons.length
    ? `Each pair of models (${data.comparisons.map((c) => `${c.models[0]} vs ${c.models[1]}`).join(', ')}) was compared per layer × category, layers aligned by ${[...new Set(data.comparisons.map((c) => c.alignment))].join(' or ')}, every difference A − B (docs/method.md#comparison): ${metrics.join(', ')} by a paired bootstrap over images (docs/method.md#image-bootstrap; ${bootstraps.join(' / ') || 'not run'}) on a stratified subset of each layer's units (docs/method.md#unit-subset), with 95 % percentile intervals; p-values corrected with BH across layers × categories per statistic, significant at q < ${data.comparisons[0]!.alpha}. Unit-level tests (${[...new Set(data.comparisons.flatMap((c) => c.unitLevel.map((t) => t.test)))].join('; ')}) are reported as descriptive only.${unavailable.length ? ` The image-level test could not run: ${unavailable.join('; ')}.` : ''}${warnings.length ? ` Cautions: ${warnings.join('; ')}.` : ''}`
    : '';
  const consistency = data.runs.some((r) => r.consistency) ? 'Representational consistency: Spearman correlation between layers of RDMs (1 − Pearson r over the selective units, at most 2,000 units per set, seeded) per category (docs/method.md#consistency).' : '';
  const execution = `Extraction ran on ${m.execution?.provider ?? 'the recorded provider'} in ${m.execution?.precision ?? 'float64'} precision. Software: Unitscope ${m.app?.version ?? data.software.app}, Node.js ${m.platform?.node ?? data.software.node} on ${m.platform?.os ?? data.software.platform} ${m.platform?.arch ?? ''} (${m.platform?.cpus ?? '?'} × ${m.platform?.cpuModel ?? 'CPU'}); report generated by Unitscope ${data.software.app}.`;
  return [stimuli, `Models: ${models}.`, recipeText, [compare, consistency].filter(Boolean).join(' '), execution].filter(Boolean);
}
