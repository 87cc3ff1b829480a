import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { runApp, type AppResult } from '../support/app.ts';
import { requireProgram } from '../support/programs.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import {
  attribute,
  CLI,
  copy,
  readOtlp,
  runSignedApp,
  runSpans,
  setStringAttribute,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
} from './support.ts';

// runproof report: one run's evidence report for an auditor, Markdown on stdout and a
// self-contained HTML file, the verification result at the top — and the HTML as a real browser
// (Debian's Chromium, driven by playwright-core) renders and prints it, for a good and a tampered trace.
const chromiumProgram = requireProgram('chromium', { install: "Debian's chromium package (apt-get install chromium)" });
const folder = temporaryFolder('report');
let simulator: Simulator;
let key: KeyFiles;
let runId: string;
const files = {
  good: join(folder, 'traces.json'),
  tampered: join(folder, 'tampered.json'),
  hostile: join(folder, 'hostile.json'),
};
const reports: Record<keyof typeof files, { result: AppResult; html: string }> = {} as never;

before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
  key = writeKeyPair(folder, 'signing-key');
  const result = await runSignedApp({ simulator, key: key.privatePath, traceFile: files.good, scenario: 'triage' });
  assert.equal(result.code, 0, result.stderr);
  const document = readOtlp(files.good);
  runId = String(
    attribute(
      spansOf(document).find((span) => span.name === 'invoke_workflow invoice-triage')!,
      'runproof.run.id',
    ),
  );
  const tampered = copy(document);
  setStringAttribute(
    runSpans(tampered, runId).find((span) => span.name === 'chat gpt-4o-mini')!,
    'gen_ai.response.model',
    'gpt-4o-2024-08-06',
  );
  writeJson(files.tampered, tampered);
  const hostile = copy(document);
  runSpans(hostile, runId).find((span) => span.name === 'step classify')!.name =
    '<img src=x onerror="document.title=1"><script>document.title=2</script>';
  writeJson(files.hostile, hostile);
  for (const name of Object.keys(files) as (keyof typeof files)[]) {
    const html = join(folder, `${name}.html`);
    reports[name] = {
      result: await runApp(CLI, {
        scriptArgs: ['report', files[name], '--run', runId, '--key', key.publicPath, '--html', html],
      }),
      html,
    };
  }
});
after(() => simulator.close());

test('the Markdown report says first that the run verified, then what it was and what it did', () => {
  const { result } = reports.good;
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 5), ['# Run report: invoice-triage', '', `run ${runId}`, '', lines[4]]);
  assert.match(
    lines[4]!,
    /^> \*\*VERIFIED\*\* — Signature, statement, manifest, ledger and chain checked for 1 attempt, signed by key [0-9a-f]{16}… \(.*signing-key\.pub\.pem\)\.$/,
  );
  const titles = lines.filter((line) => line.startsWith('## '));
  assert.deepEqual(titles, [
    '## Outcome',
    '## What it was',
    '## Attempt 1: new, completed',
    '## Boundary decisions',
    '## Validation',
    '## Drift',
    '## Escalations',
    '## Handoffs',
    '## Business outcomes',
    '## Verification',
  ]);
  assert.ok(result.stdout.includes('| owners | technical: ml-platform · operational: accounts-payable |'));
  assert.ok(result.stdout.includes('| model calls · tool calls | 4 · 0 |'));
  assert.ok(result.stdout.includes('| conditions | {"prompt":"triage-v3"} |'));
  assert.ok(result.stdout.includes('| models observed | gpt-4o-mini-2024-07-18 |'));
  assert.match(result.stdout, /^ {2}└ step extract {2}\[boundary allow\]$/m);
  assert.match(result.stdout, /^ {4}└ validate invoice\.fields {2}\[validation pass\]$/m);
  assert.match(result.stdout, /^\| validate invoice\.fields \(attempt 1\) \| pass \| invoice\.fields \|/m);
});

test("a tampered trace's report says NOT VERIFIED at the top, naming what changed, and exits 1", () => {
  const { result } = reports.tampered;
  assert.equal(result.code, 1);
  const top = result.stdout.split('\n').slice(0, 8).join('\n');
  assert.match(top, /^> \*\*NOT VERIFIED\*\* — 2 problems found \(trusted keys: /m);
  assert.match(
    top,
    /^> - attempt 1, manifest: gen_ai\.response\.model of "chat gpt-4o-mini" \([0-9a-f]{16}\) is "gpt-4o-2024-08-06", not among the models the signed manifest observed/m,
  );
  assert.match(
    top,
    /^> - attempt 1, ledger: changed: span "chat gpt-4o-mini" \([0-9a-f]{16}\): its Runproof\/GenAI attributes or events differ from what was signed$/m,
  );
});

test('an unknown run is a usage error', async () => {
  const result = await runApp(CLI, { scriptArgs: ['report', files.good, '--run', 'no-such-run'] });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'runproof: the traces hold no run no-such-run\n');
});

describe('the HTML report in Chromium', { skip: chromiumProgram.skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({
      executablePath: chromiumProgram.path(),
      args: ['--no-sandbox', '--disable-gpu'],
    });
  });
  after(() => browser?.close());

  async function open(name: keyof typeof files) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const url = pathToFileURL(reports[name].html).href;
    await page.goto(url);
    return { page, requests, url };
  }

  interface Verdict {
    state: string | null;
    badge: string | null;
    color: string;
    top: number;
    visible: boolean;
    sections: (string | null)[];
  }

  // Run in the page (the tests are type-checked without the DOM's types, so the page's code is text).
  const READ_VERDICT = `(() => {
    const verdict = document.querySelector('#verification');
    const badge = verdict.querySelector('.badge');
    const box = badge.getBoundingClientRect();
    return {
      state: verdict.getAttribute('data-verification'),
      badge: badge.textContent,
      color: getComputedStyle(badge).backgroundColor,
      top: box.top,
      visible: box.width > 0 && box.height > 0,
      sections: [...document.querySelectorAll('h2')].map((heading) => heading.textContent),
    };
  })()`;
  const READ_PROBLEMS = `[...document.querySelectorAll('#verification li')].map((item) => item.textContent)`;
  const READ_MARKUP = `({ title: document.title, images: document.querySelectorAll('img').length, scripts: document.querySelectorAll('script').length, shown: document.body.textContent.includes('<img src=x onerror="document.title=1">') })`;

  async function verdictOf(page: Awaited<ReturnType<typeof open>>['page']): Promise<Verdict> {
    return page.evaluate<Verdict>(READ_VERDICT);
  }

  test('a good trace renders with a green VERIFIED badge at the top, and loads nothing but itself', async () => {
    const { page, requests, url } = await open('good');
    const verdict = await verdictOf(page);
    assert.deepEqual(
      { ...verdict, top: verdict.top < 150 },
      {
        state: 'verified',
        badge: 'VERIFIED',
        color: 'rgb(26, 127, 55)',
        top: true,
        visible: true,
        sections: [
          'Outcome',
          'What it was',
          'Attempt 1: new, completed',
          'Boundary decisions',
          'Validation',
          'Drift',
          'Escalations',
          'Handoffs',
          'Business outcomes',
          'Verification',
        ],
      },
    );
    assert.deepEqual(requests, [url], 'self-contained: no style sheet, font, image or script fetched');
    const screenshot = await page.screenshot({ path: join(folder, 'good.png'), fullPage: true });
    assert.ok(screenshot.length > 10_000);
    await page.close();
  });

  test('a tampered trace renders with a red NOT VERIFIED badge and the problems under it', async () => {
    const { page } = await open('tampered');
    const verdict = await verdictOf(page);
    assert.deepEqual(
      [verdict.state, verdict.badge, verdict.color, verdict.visible],
      ['failed', 'NOT VERIFIED', 'rgb(180, 35, 24)', true],
    );
    const problems = await page.evaluate<string[]>(READ_PROBLEMS);
    assert.equal(problems.length, 2);
    assert.match(problems[1]!, /^attempt 1, ledger: changed: span "chat gpt-4o-mini"/);
    await page.screenshot({ path: join(folder, 'tampered.png'), fullPage: true });
    await page.close();
  });

  test("it prints: a PDF of a few A4 pages that keeps the badge's colour", async () => {
    const { page } = await open('tampered');
    await page.emulateMedia({ media: 'print' });
    assert.equal(
      (await verdictOf(page)).color,
      'rgb(180, 35, 24)',
      'print-color-adjust keeps the verdict red on paper',
    );
    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    assert.ok(pages >= 1 && pages <= 6, `${pages} pages`);
    await page.close();
  });

  test('span names and values from the trace are text, never markup: a hostile span name runs nothing', async () => {
    const { page } = await open('hostile');
    const seen = await page.evaluate(READ_MARKUP);
    assert.deepEqual(seen, { title: 'Run report: invoice-triage', images: 0, scripts: 0, shown: true });
    assert.equal(reports.hostile.result.code, 1, 'and the renamed span fails verification');
    assert.ok(!readFileSync(reports.hostile.html, 'utf8').includes('<script>'));
    await page.close();
  });
});
