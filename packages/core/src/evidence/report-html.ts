import type { Block, ReportDocument } from './report-document.ts';

/**
 * Styles of the HTML report: readable on screen, and on paper (A4 or Letter) with the verdict's
 * colour kept, tables not split inside a row, no link or script anywhere.
 */
const STYLE = `
:root { color-scheme: light; --ok: #1a7f37; --bad: #b42318; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; margin: 0 auto; padding: 24px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; break-after: avoid; }
.subtitle { color: var(--muted); margin: 0 0 16px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.verdict { border: 2px solid; border-radius: 8px; padding: 12px 16px; margin: 0 0 8px; break-inside: avoid; }
.verdict.verified { border-color: var(--ok); background: #dafbe1; }
.verdict.failed { border-color: var(--bad); background: #ffebe9; }
.badge { display: inline-block; font-weight: 700; letter-spacing: 0.04em; color: #fff; border-radius: 4px; padding: 2px 10px; margin-right: 8px; }
.verified .badge { background: var(--ok); }
.failed .badge { background: var(--bad); }
.verdict ul { margin: 8px 0 0; padding-left: 20px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; }
tr { break-inside: avoid; }
.tree { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; white-space: pre-wrap; }
.facts { color: var(--muted); }
@page { size: auto; margin: 14mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  .verdict, .badge, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { margin-top: 18px; }
}
`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to put between tags or in an attribute: trace content is anyone's. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** The report as one self-contained HTML file: inline styles, no scripts, nothing fetched. */
export function renderHtml(document: ReportDocument): string {
  const state = document.verified ? 'verified' : 'failed';
  const problems =
    document.problems.length === 0
      ? ''
      : `<ul>${document.problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join('')}</ul>`;
  const sections = document.sections
    .map(
      (section) =>
        `<section><h2>${escapeHtml(section.title)}</h2>${section.blocks.map(renderBlock).join('\n')}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(document.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(document.title)}</h1>
<p class="subtitle">${escapeHtml(document.subtitle)}</p>
<div class="verdict ${state}" id="verification" data-verification="${state}"><span class="badge">${document.verified ? 'VERIFIED' : 'NOT VERIFIED'}</span>${escapeHtml(document.verdict)}${problems}</div>
${sections}
</body>
</html>
`;
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(block.text)}</p>`;
    case 'list':
      return `<ul>${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
    case 'table': {
      if (block.rows.length === 0) return '<p>(none)</p>';
      const header = block.header.every((cell) => cell === '')
        ? ''
        : `<thead><tr>${block.header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead>`;
      return `<table>${header}<tbody>${block.rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    }
    case 'tree':
      return `<div class="tree">${block.lines
        .map(
          (line) =>
            `${'  '.repeat(line.depth)}${line.depth > 0 ? '└ ' : ''}${escapeHtml(line.name)}${line.facts.length > 0 ? ` <span class="facts">[${escapeHtml(line.facts.join(', '))}]</span>` : ''}`,
        )
        .join('\n')}</div>`;
  }
}
