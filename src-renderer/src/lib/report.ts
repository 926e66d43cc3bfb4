// The dashboard as one self-contained HTML file: every figure inlined as SVG (no scripts, no external
// requests, so it opens anywhere and can be archived with a paper), the layer x category table and the
// run's manifest (recipe, provider, timings).
import type { ResultsTable } from '../../../src-main/contract/types.ts';
import type { StudyData } from '../../../src-main/contract/study-types.ts';
import type { CompareInterval } from '../../../src-main/contract/results-types.ts';

export interface ReportFigure {
  title: string;
  svg: string;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const percent = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(v < 0.001 && v > 0 ? 3 : 1)} %`);
const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

export function reportHtml(projectName: string, table: ResultsTable, figures: ReportFigure[], generatedAt: Date): string {
  const run = table.run;
  const manifest = JSON.stringify({ project: projectName, ...run }, null, 2);
  const rows = table.rows
    .map((r) => `<tr><td>${escape(r.model)}</td><td>${escape(r.layer)}</td><td>${escape(r.category)}</td><td>${r.images}</td><td>${r.units.toLocaleString('en-US')}</td><td>${r.selective.toLocaleString('en-US')}</td><td>${percent(r.proportion)}</td><td>${fixed(r.metrics.csiMedian)}</td></tr>`)
    .join('\n');
  // An SVG from ECharts carries its own width/height; the figure scales it to the page.
  const figureHtml = figures.map((f) => `<figure><figcaption>${escape(f.title)}</figcaption>${f.svg}</figure>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escape(projectName)} · run ${run.id} · Unitscope report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 960px; padding: 0 1rem; color: #1b1e25; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.figures { display: grid; grid-template-columns: 1fr; gap: 1.5rem; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: .5rem; }
figure svg { width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .25rem; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
td:nth-child(-n+3), th:nth-child(-n+3) { text-align: left; }
pre { background: #f4f5f7; padding: 1rem; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>${escape(projectName)}: run ${run.id} (${escape(run.model)})</h1>
<p>Recipe <b>${escape(run.recipe.recipe)}</b>, α ${run.recipe.alpha}, FDR ${escape(run.recipe.fdr)}, ${run.images} images, provider ${escape(run.provider ?? 'n/a')}${run.seconds !== null ? `, ${run.seconds.toFixed(1)} s` : ''}. Generated ${escape(generatedAt.toISOString())} by Unitscope.</p>
<h2>Figures</h2>
<div class="figures">
${figureHtml}
</div>
<h2>Layers × categories</h2>
<table><thead><tr><th>model</th><th>layer</th><th>category</th><th>n images</th><th>units</th><th>selective</th><th>proportion</th><th>CSI median</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Run manifest</h2>
<pre>${escape(manifest)}</pre>
</body>
</html>
`;
}

// ---- study reports -------------------------------------------------------------------------------

export interface StudyReportFigure {
  kind: string;
  title: string;
  caption: string;
  /** The figure drawn at page width with its title and caption, as standalone SVG. */
  svg: string;
  /** Files written beside the report (figures/KIND.pdf, ...), linked under the figure. */
  files?: string[];
}

const pValue = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v < 0.001 ? v.toExponential(1).replace('e', ' × 10^') : v.toFixed(3));

function resultsTableHtml(data: StudyData): string {
  const head = '<tr><th>model</th><th>layer</th><th>depth</th><th>category</th><th>units</th><th>selective</th><th>proportion</th><th>CSI median</th><th>channel entropy</th><th>channel Gini</th><th>spatial entropy</th><th>activation</th></tr>';
  const rows = data.runs.flatMap((run) =>
    run.rows.map(
      (r) =>
        `<tr><td>${escape(run.model.name)}</td><td>${escape(r.layer)}</td><td>${fixed(r.depth, 2)}</td><td>${escape(r.category)}</td><td>${r.units.toLocaleString('en-US')}</td><td>${r.selective.toLocaleString('en-US')}</td><td>${percent(r.proportion)}</td><td>${fixed(r.metrics.csiMedian)}</td><td>${fixed(r.metrics.channelEntropy)}</td><td>${fixed(r.metrics.channelGini)}</td><td>${fixed(r.metrics.spatialEntropy)}</td><td>${fixed(r.metrics.activationNormalized, 2)}</td></tr>`,
    ),
  );
  return `<div class="table"><table><thead>${head}</thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

const withInterval = (v: number | null, ci: CompareInterval) => `${fixed(v, 4)}${ci.low !== null && ci.high !== null ? ` <span class="ci">[${fixed(ci.low, 4)}, ${fixed(ci.high, 4)}]</span>` : ''}`;

function comparisonTablesHtml(data: StudyData): string {
  return data.comparisons
    .map((c) => {
      const significant = c.rows.filter((r) => r.significant);
      const rows = significant
        .map(
          (r) =>
            `<tr><td>${escape(r.metric)}</td><td>${r.layerA === null ? 'all (slope)' : `${escape(r.layerA)}${r.layerB !== r.layerA ? ` / ${escape(r.layerB ?? '')}` : ''}`}</td><td>${escape(r.category)}</td><td>${withInterval(r.valueA, r.ciA)}</td><td>${withInterval(r.valueB, r.ciB)}</td><td>${withInterval(r.diff, r.ciDiff)}</td><td>${pValue(r.p)}</td><td>${pValue(r.q)}</td><td>${r.n.imagesA} / ${r.n.imagesB}</td></tr>`,
        )
        .join('\n');
      return `<h3>${escape(c.models[0])} vs ${escape(c.models[1])} (runs ${c.runs[0]} and ${c.runs[1]})</h3>
<p>${c.rows.length.toLocaleString('en-US')} image-level tests, layers aligned by ${escape(c.alignment)}${c.bootstrap ? `, ${c.bootstrap.iterations.toLocaleString('en-US')} bootstrap iterations (seed ${c.bootstrap.seed})` : ''}; ${significant.length.toLocaleString('en-US')} significant at q &lt; ${c.alpha}${significant.length ? ' (value [95 % interval]; A − B; n images A / B):' : '.'}</p>
${c.imageLevelUnavailable ? `<p>The image-level test could not run: ${escape(c.imageLevelUnavailable)}</p>` : ''}${c.warnings.length ? `<ul class="warnings">${c.warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul>` : ''}
${significant.length ? `<div class="table"><table><thead><tr><th>statistic</th><th>layer</th><th>category</th><th>A</th><th>B</th><th>A − B</th><th>p</th><th>q</th><th>n</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>` : ''}`;
    })
    .join('\n');
}

/** A study as one self-contained HTML file (no scripts, no requests): figures, tables, methods, manifests. */
export function studyReportHtml(data: StudyData, figures: StudyReportFigure[], methods: string[], generatedAt: Date): string {
  const title = data.study ? data.study.name : `${data.runs.map((r) => r.model.name).join(' vs ')}`;
  const figureHtml = figures
    .map(
      (f, i) => `<figure id="figure-${escape(f.kind)}" data-kind="${escape(f.kind)}">
${f.svg}
<figcaption><b>Figure ${i + 1}.</b> <span class="visually-hidden">${escape(f.title)}. ${escape(f.caption)}</span>${f.files?.length ? ` <span class="files">Files: ${f.files.map((file) => `<a href="${escape(file)}">${escape(file)}</a>`).join(', ')}</span>` : ''}</figcaption>
</figure>`,
    )
    .join('\n');
  const manifests = data.runs.map((r) => `<h3>Run ${r.run.id}: ${escape(r.model.name)}</h3>\n<pre>${escape(JSON.stringify(r.manifest, null, 2))}</pre>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escape(data.project.name)} · ${escape(title)} · Unitscope report</title>
<style>
body { font: 15px/1.5 'DejaVu Sans', system-ui, sans-serif; margin: 2rem auto; max-width: 960px; padding: 0 1.5rem; color: #1b1e25; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.15rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; } h3 { font-size: 1rem; margin-top: 1.4rem; }
.meta { color: #555; margin-top: 0; }
figure { margin: 1.5rem 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #333; margin-top: .4rem; }
.files { color: #555; }
.ci { color: #666; }
.warnings { color: #8a4b00; }
/* The figure draws its own title and caption; the text is repeated for screen readers and search only. */
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; white-space: nowrap; }
th { background: #f4f5f7; }
td:nth-child(-n+2), th:nth-child(-n+2) { text-align: left; }
pre { background: #f4f5f7; padding: .75rem; font-size: 11px; white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; }
@media print { body { max-width: none; margin: 0; font-size: 11pt; } h2 { page-break-after: avoid; } .appendix { page-break-before: always; } }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p class="meta">Project ${escape(data.project.name)}${data.study ? `, study ${data.study.id}` : ''}: ${data.runs.map((r) => `${escape(r.model.name)} (run ${r.run.id})`).join(', ')}. Generated ${escape(generatedAt.toISOString())} by Unitscope ${escape(data.software.app)}.</p>
<h2>Methods</h2>
${methods.map((p) => `<p>${escape(p)}</p>`).join('\n')}
<h2>Figures</h2>
${figureHtml}
<h2>Comparisons</h2>
${comparisonTablesHtml(data) || '<p>No comparisons.</p>'}
<h2>Layers × categories</h2>
${resultsTableHtml(data)}
<section class="appendix">
<h2>Appendix: run manifests</h2>
${manifests}
</section>
</body>
</html>
`;
}
