import type { Block, ReportDocument } from './report-document.ts';

/** The report as Markdown: what `runproof report` prints. */
export function renderMarkdown(document: ReportDocument): string {
  const lines = [
    `# ${inline(document.title)}`,
    '',
    inline(document.subtitle),
    '',
    `> **${document.verified ? 'VERIFIED' : 'NOT VERIFIED'}** — ${inline(document.verdict)}`,
  ];
  for (const problem of document.problems.slice(0, 20)) lines.push(`> - ${inline(problem)}`);
  if (document.problems.length > 20) lines.push(`> - … and ${document.problems.length - 20} more (see Verification)`);
  for (const section of document.sections) {
    lines.push('', `## ${inline(section.title)}`);
    for (const block of section.blocks) lines.push('', ...renderBlock(block));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Text of the trace on one line: a line break in a span name or an attribute value would start a
 * Markdown block of its own there — a heading, or a verdict that is not the report's.
 */
function inline(text: string): string {
  return text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ');
}

function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|') || ' ';
}

/** A code fence longer than any run of backticks in the text, which therefore cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function renderBlock(block: Block): string[] {
  switch (block.kind) {
    case 'paragraph':
      return [inline(block.text)];
    case 'list':
      return block.items.map((item) => `- ${inline(item)}`);
    case 'table':
      if (block.rows.length === 0) return ['(none)'];
      return [
        `| ${block.header.map(cell).join(' | ')} |`,
        `|${block.header.map(() => '---').join('|')}|`,
        ...block.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ];
    case 'tree': {
      const lines = block.lines.map(
        (line) =>
          `${'  '.repeat(line.depth)}${line.depth > 0 ? '└ ' : ''}${inline(line.name)}${line.facts.length > 0 ? `  [${inline(line.facts.join(', '))}]` : ''}`,
      );
      const fence = fenceFor(lines.join('\n'));
      return [fence, ...lines, fence];
    }
  }
}
