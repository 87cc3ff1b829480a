/**
 * A built copy of another commit for `compare-trees.ts --other`: the commit's files (`git
 * archive`), this workspace's installed dependencies linked in (their real paths are this tree's,
 * so both copies share one `@opentelemetry/api`, one `openai`, one SDK), the copy's own
 * `@runproof/*` packages linked to its own sources, and `tsc -b`. Prints the directory (by default
 * `runproof-<commit>` in the system's temporary directory).
 *
 *   node test/bench/other-tree.ts <commit> [--into /tmp/runproof-<commit>]
 *
 * Type errors are reported but do not stop the build: types resolved through the links can differ
 * from the workspace's, and the emitted JavaScript is what the comparison loads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIRECTORY, WORKSPACE_DIRECTORY } from './install.ts';

const { values, positionals } = parseArgs({
  options: { into: { type: 'string' } },
  allowPositionals: true,
  strict: true,
});
const commit = positionals[0];
if (commit === undefined || positionals.length > 1)
  throw new Error('usage: node test/bench/other-tree.ts <commit> [--into <directory>]');

const run = (command: string, args: string[], cwd: string): { status: number | null; stdout: string } => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout };
};

const resolved = run('git', ['rev-parse', '--verify', `${commit}^{commit}`], WORKSPACE_DIRECTORY);
if (resolved.status !== 0) throw new Error(`"${commit}" is not a commit of ${WORKSPACE_DIRECTORY}`);
const hash = resolved.stdout.trim();
const directory = values.into ?? join(tmpdir(), `runproof-${hash.slice(0, 12)}`);

rmSync(directory, { recursive: true, force: true });
mkdirSync(directory, { recursive: true });
const archive = spawnSync('git', ['archive', hash], { cwd: WORKSPACE_DIRECTORY, maxBuffer: 1 << 30 });
if (archive.status !== 0) throw new Error(`git archive ${hash} failed`);
const extract = spawnSync('tar', ['-x', '-C', directory], { input: archive.stdout });
if (extract.status !== 0) throw new Error(`extracting ${hash} into ${directory} failed`);

/** Links every entry of `from` into `to` (a new directory), but `skip`. */
function linkEntries(from: string, to: string, skip: ReadonlySet<string>): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) if (!skip.has(name)) symlinkSync(join(from, name), join(to, name));
}

// The workspace's dependencies, but its own packages: the copy's are linked to the copy's sources.
linkEntries(join(WORKSPACE_DIRECTORY, 'node_modules'), join(directory, 'node_modules'), new Set(['@runproof']));
const packages = readdirSync(join(directory, 'packages'));
mkdirSync(join(directory, 'node_modules', '@runproof'));
for (const name of packages) {
  symlinkSync(join('..', '..', 'packages', name), join(directory, 'node_modules', '@runproof', name));
  const own = join(WORKSPACE_DIRECTORY, 'packages', name, 'node_modules');
  if (existsSync(own)) symlinkSync(own, join(directory, 'packages', name, 'node_modules'));
}
const benchModules = join(BENCH_DIRECTORY, 'node_modules');
if (existsSync(benchModules)) symlinkSync(benchModules, join(directory, 'test', 'bench', 'node_modules'));

const tsc = join(WORKSPACE_DIRECTORY, 'node_modules', '.bin', 'tsc');
const build = run(tsc, ['-b'], directory);
if (build.status !== 0) process.stderr.write(`${build.stdout}\n(tsc -b reported errors; the JavaScript was emitted)\n`);
for (const name of packages) {
  if (!existsSync(join(directory, 'packages', name, 'dist', 'index.js')))
    throw new Error(`the build of ${hash} left no packages/${name}/dist/index.js`);
}
process.stdout.write(`${directory}\n`);
