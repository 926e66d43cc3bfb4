// Chart tooltips are HTML: a category, layer or model name (from a folder, a manifest, a model file
// someone sent) must show as text, never run as markup (issue 14 item 5).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src-renderer/src/charts/html.ts';
import { proportionOption } from '../../src-renderer/src/charts/options.ts';

const EVIL = '<img src=x onerror="alert(1)">';

describe('tooltip text is escaped', () => {
  it('html`` escapes the values, keeps the markup', () => {
    expect(html`${EVIL}<br/>${'a & b'} ${3}`).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<br/>a &amp; b 3');
    expect(escapeHtml("'")).toBe('&#39;');
  });

  it('the proportion chart shows a hostile category, layer and model name as text', () => {
    const row = { model: EVIL, layer: `${EVIL}l`, layerIndex: 0, depth: 0, category: `${EVIL}c`, units: 1, selective: 1, proportion: 0.5, images: 2, metrics: {} };
    const option = proportionOption([row], [row.category], null, null) as { tooltip: { formatter: (p: unknown) => string }; series: { data: unknown[] }[] };
    const text = option.tooltip.formatter({ data: option.series[0]!.data[0] });
    expect(text).not.toContain('<img');
    expect(text).toContain('&lt;img src=x');
    expect(text.split('<br/>')).toHaveLength(3);
  });

  it('no chart module builds tooltip markup from a plain template string', () => {
    for (const file of ['options.ts', 'analysis-options.ts']) {
      const source = readFileSync(new URL(`../../src-renderer/src/charts/${file}`, import.meta.url), 'utf8');
      const plain = [...source.matchAll(/(?<![\w])`[^`]*<br\/>[^`]*`/g)].filter((m) => source.slice(m.index! - 4, m.index) !== 'html');
      expect(plain.map((m) => m[0].slice(0, 60)), file).toEqual([]);
    }
  });
});
