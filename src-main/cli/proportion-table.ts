// The layer x category table of selective-unit proportions, as `demo` prints it: one row per layer,
// one column per target category, cells in percent with the count of selective units.
import type { ResultsTable } from '../contract/types.ts';

export function proportionTable(table: ResultsTable): string {
  const categories = table.categories;
  const cell = new Map(table.rows.map((r) => [`${r.layer}\u0000${r.category}`, r]));
  const header = ['layer', 'units', ...categories];
  const rows = table.layers.map((layer) => {
    const first = table.rows.find((r) => r.layer === layer);
    return [
      layer,
      String(first?.units ?? ''),
      ...categories.map((c) => {
        const row = cell.get(`${layer}\u0000${c}`);
        return row ? `${(100 * row.proportion).toFixed(1)}% (${row.selective})` : '-';
      }),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const title = `selective units per layer (run ${table.run.id}: ${table.run.model}, ${table.run.recipe.recipe}, alpha ${table.run.recipe.alpha})`;
  return [title, line(header), ...rows.map(line)].join('\n');
}
