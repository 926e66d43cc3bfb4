// ECharts renders tooltip formatter strings as HTML. Category, layer and model names come from users
// and from files they were sent, so every value put into a tooltip is escaped: tooltips are written as
// html`...` templates, whose literal parts are markup and whose ${values} are text.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, text, i) => out + text + (i < values.length ? escapeHtml(values[i]) : ''), '');
}
