// One line and a docs/method.md section for every statistic and setting the app shows. Recipes and
// their settings explain themselves from the recipe table (recipe.ts: meaning + docs); the statistics
// and the choices of a setting are here. The app's tooltips and links (components/Explain.svelte), the
// report and a test that every cited anchor exists in docs/method.md all read this one table.
import { RECIPE_PARAMETERS, RECIPE_TABLE, RECIPES, type RecipeName, type RecipeParameterKey } from './recipe.ts';

export interface Explanation {
  label: string;
  /** One line. */
  meaning: string;
  docs: `docs/method.md#${string}`;
}

export const STATISTICS = {
  proportion: { label: 'proportion', meaning: 'selective units of the category divided by the units of the layer', docs: 'docs/method.md#proportion' },
  csi: { label: 'CSI', meaning: 'category selectivity index (m_c − m_o) / (|m_c| + |m_o|) of a unit, in [−1, 1]', docs: 'docs/method.md#csi' },
  dprime: { label: 'd′', meaning: 'difference of the target and the rest in units of their pooled standard deviation', docs: 'docs/method.md#dprime' },
  'dprime-second': { label: 'd′ vs 2nd', meaning: 'd′ of the target against the compared category the unit responds to most (Baek’s face-selectivity index)', docs: 'docs/method.md#dprime' },
  'mean-pair-t': { label: 'mean t', meaning: 'the mean of a unit’s t statistics against the compared categories', docs: 'docs/method.md#t-min' },
  'channel-entropy': { label: 'channel entropy', meaning: 'how evenly the selective units spread over the channels: 1 even, 0 all in one', docs: 'docs/method.md#evenness' },
  'channel-gini': { label: 'channel Gini', meaning: 'inequality of the selective units over the channels: 0 even, near 1 all in one', docs: 'docs/method.md#evenness' },
  spatial: { label: 'spatial localization', meaning: 'entropy and Gini of the selective units over the positions of the feature map', docs: 'docs/method.md#spatial' },
  activation: { label: 'activation strength', meaning: "the selective units' mean response to their category, over the layer's mean response", docs: 'docs/method.md#activation' },
  'relative-depth': { label: 'relative depth', meaning: 'the position of a tap among the model\u2019s taps, i / (L − 1): 0 first, 1 last', docs: 'docs/method.md#relative-depth' },
  consistency: { label: 'consistency', meaning: 'mean Spearman correlation between the layers\u2019 RDMs of the selective units', docs: 'docs/method.md#consistency' },
  comparison: { label: 'model comparison', meaning: 'two runs compared layer by layer and category by category, each test BH-corrected across layers × categories', docs: 'docs/method.md#comparison' },
  't-min': { label: 't min', meaning: 'the smallest of a unit\u2019s t statistics against the compared categories', docs: 'docs/method.md#t-min' },
  'q-max': { label: 'q max', meaning: 'the largest of a unit\u2019s FDR-adjusted p-values: below α means selective', docs: 'docs/method.md#t-min' },
  pooled: { label: 'pooled (Student) t', meaning: 'two-sample t-test assuming equal variances; one degree of freedom count per contrast', docs: 'docs/method.md#variance' },
  welch: { label: 'Welch t', meaning: 'two-sample t-test without equal variances (Welch–Satterthwaite degrees of freedom)', docs: 'docs/method.md#variance' },
  bh: { label: 'BH', meaning: 'Benjamini–Hochberg: controls the false discovery rate for independent or positively dependent tests', docs: 'docs/method.md#fdr' },
  by: { label: 'BY', meaning: 'Benjamini–Yekutieli: controls the false discovery rate under any dependence (more conservative)', docs: 'docs/method.md#fdr' },
} as const satisfies Record<string, Explanation>;

export type ExplanationTopic = keyof typeof STATISTICS | RecipeName | RecipeParameterKey;

/** The explanation of a statistic, a recipe or a recipe setting. */
export function explain(topic: ExplanationTopic): Explanation {
  if (topic in STATISTICS) return STATISTICS[topic as keyof typeof STATISTICS];
  if ((RECIPES as readonly string[]).includes(topic)) {
    const spec = RECIPE_TABLE[topic as RecipeName];
    return { label: topic, meaning: spec.meaning, docs: spec.docs };
  }
  const p = RECIPE_PARAMETERS[topic as RecipeParameterKey];
  return { label: p.label, meaning: p.meaning, docs: p.docs };
}

/** Every docs/method.md anchor the app cites (for the test that they exist). */
export function citedAnchors(): string[] {
  const all = [...Object.values(STATISTICS), ...Object.values(RECIPE_TABLE), ...Object.values(RECIPE_PARAMETERS)].map((e) => e.docs.split('#')[1]!);
  return [...new Set(all)];
}
