// The dashboard as one self-contained HTML file: every figure inlined as SVG (no scripts, no external
// requests, so it opens anywhere and can be archived with a paper), the layer x category table and the
// run's manifest (recipe, provider, timings).
import type { ResultsTable } from '../../../src-main/contract/types.ts';

export interface ReportFigure {
  title: string;
  svg: string;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(4)).toString());

export function reportHtml(projectName: string, table: ResultsTable, figures: ReportFigure[], generatedAt: Date): string {
  const run = table.run;
  const manifest = JSON.stringify({ project: projectName, ...run }, null, 2);
  const rows = table.rows
    .map((r) => `<tr><td>${escape(r.model)}</td><td>${escape(r.layer)}</td><td>${escape(r.category)}</td><td>${r.images}</td><td>${r.units}</td><td>${r.selective}</td><td>${num(r.proportion)}</td><td>${num(r.metrics.csiMedian ?? null)}</td></tr>`)
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
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1e25; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: .5rem; }
figure svg { width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .25rem; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
td:nth-child(-n+3), th:nth-child(-n+3) { text-align: left; }
pre { background: #f4f5f7; padding: 1rem; overflow: auto; font-size: 12px; }
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
