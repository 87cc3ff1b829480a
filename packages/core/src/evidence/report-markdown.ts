import type { Block, ReportDocument } from './report-document.ts';

/** The report as Markdown: what `runproof report` prints. */
export function renderMarkdown(document: ReportDocument): string {
  const lines = [
    `# ${document.title}`,
    '',
    document.subtitle,
    '',
    `> **${document.verified ? 'VERIFIED' : 'NOT VERIFIED'}** — ${document.verdict}`,
  ];
  for (const problem of document.problems.slice(0, 20)) lines.push(`> - ${problem}`);
  if (document.problems.length > 20) lines.push(`> - … and ${document.problems.length - 20} more (see Verification)`);
  for (const section of document.sections) {
    lines.push('', `## ${section.title}`);
    for (const block of section.blocks) lines.push('', ...renderBlock(block));
  }
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ') || ' ';
}

function renderBlock(block: Block): string[] {
  switch (block.kind) {
    case 'paragraph':
      return [block.text];
    case 'list':
      return block.items.map((item) => `- ${item}`);
    case 'table':
      if (block.rows.length === 0) return ['(none)'];
      return [
        `| ${block.header.map(cell).join(' | ')} |`,
        `|${block.header.map(() => '---').join('|')}|`,
        ...block.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ];
    case 'tree':
      return [
        '```',
        ...block.lines.map(
          (line) =>
            `${'  '.repeat(line.depth)}${line.depth > 0 ? '└ ' : ''}${line.name}${line.facts.length > 0 ? `  [${line.facts.join(', ')}]` : ''}`,
        ),
        '```',
      ];
  }
}
