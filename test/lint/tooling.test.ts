import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `npm run lint` runs `prettier --check .` and `eslint .` with the repository's own configuration;
// these tests run the same two tools, with that configuration, on small files they write, to show
// each kind of problem fails the lint. The files live in .tmp/ (gitignored, and ignored by both
// tools), so the tests name them explicitly and ignore nothing, and give ESLint a tsconfig for them
// (its type-aware rules need the file in a TypeScript project). Rules and options are the repository's.
const root = fileURLToPath(new URL('../..', import.meta.url));
let directory: string;

const FIXTURES = {
  // Runs over 120 columns and mixes quote styles.
  'badly-formatted.ts': `export const  settings = {name:"invoice-triage", owners: {technical: 'ml-platform', operational: 'finance-ops'}, budget: 3};\n`,
  'floating-promise.ts': [
    'export function save(): Promise<void> {',
    '  return Promise.resolve();',
    '}',
    '',
    'save();',
    '',
  ].join('\n'),
  'unused-code.ts': [
    'export function total(amounts: number[]): number {',
    "  const currency = 'EUR';",
    '  return amounts.length;',
    '}',
    '',
  ].join('\n'),
  'clean.ts': [
    'export function save(): Promise<void> {',
    '  return Promise.resolve();',
    '}',
    '',
    'export async function saveAll(count: number): Promise<void> {',
    '  for (let index = 0; index < count; index++) await save();',
    '}',
    '',
  ].join('\n'),
};

interface ToolResult {
  status: number | null;
  output: string;
}

/** A tool's own script, run with the tests' Node (the shebang would take whichever `node` is first on PATH). */
function runTool(bin: string, args: string[]): ToolResult {
  const script = realpathSync(join(root, 'node_modules/.bin', bin));
  // No colours, whatever the terminal or CI=true say: the assertions read plain text.
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

function fixture(name: keyof typeof FIXTURES): string {
  return relative(root, join(directory, name));
}

function prettierCheck(name: keyof typeof FIXTURES): ToolResult {
  return runTool('prettier', ['--check', '--ignore-path', join(directory, '.prettierignore'), fixture(name)]);
}

function eslint(name: keyof typeof FIXTURES): ToolResult {
  const project = relative(root, join(directory, 'tsconfig.json'));
  return runTool('eslint', ['--no-ignore', '--parser-options', `project:${project}`, fixture(name)]);
}

before(() => {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  directory = mkdtempSync(join(root, '.tmp', 'lint-tooling-'));
  for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(join(directory, name), text);
  writeFileSync(join(directory, '.prettierignore'), '');
  const tsconfig = {
    extends: relative(directory, join(root, 'tsconfig.base.json')),
    compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false },
    include: ['*.ts'],
  };
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify(tsconfig));
});
after(() => {
  rmSync(directory, { recursive: true, force: true });
});

test('prettier --check fails on a badly formatted file, naming it', () => {
  const result = prettierCheck('badly-formatted.ts');
  assert.equal(result.status, 1, result.output);
  assert.match(result.output, /\[warn\] .*badly-formatted\.ts/);
});

test('eslint fails on a floating promise with @typescript-eslint/no-floating-promises', () => {
  const result = eslint('floating-promise.ts');
  assert.equal(result.status, 1, result.output);
  assert.match(result.output, /5:1 +error .* @typescript-eslint\/no-floating-promises/);
});

test('eslint fails on unused code with @typescript-eslint/no-unused-vars', () => {
  const result = eslint('unused-code.ts');
  assert.equal(result.status, 1, result.output);
  assert.match(
    result.output,
    /2:9 +error +'currency' is assigned a value but never used\..* @typescript-eslint\/no-unused-vars/,
  );
});

test('a well-formatted file without a floating promise passes both', () => {
  const formatted = prettierCheck('clean.ts');
  assert.equal(formatted.status, 0, formatted.output);
  const linted = eslint('clean.ts');
  assert.equal(linted.status, 0, linted.output);
  assert.equal(linted.output, '');
});
