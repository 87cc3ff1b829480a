// Checks the packages as a user receives them: packs every workspace package into a temporary
// folder and runs publint (package.json fields, `exports`, files present) and Are the Types Wrong
// (each `exports` entry resolves to JavaScript and declarations) on each tarball. Both read only
// the tarball: no network. Run by `npm run check:packages` (after a build) and by .ci/run.
//
// attw's `esm-only` profile: the packages are ESM-only (`"type": "module"`, `exports` with `types`
// and `default`, no `require` condition). It still checks `node16` from ESM and `bundler`, and skips
// `node10` (which ignores `exports`) and `node16` from CommonJS, which attw's TypeScript reports as
// "ESM, dynamic import only": CommonJS apps load the packages through Node's require(esm), which
// our Node floor (22.15) has unflagged and the packed-app tests exercise.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface PackedPackage {
  name: string;
  filename: string;
}

/** A tool's own script, run with this Node rather than whichever `node` its shebang would find. */
function runTool(bin: string, args: string[]): boolean {
  const script = realpathSync(join(root, 'node_modules/.bin', bin));
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

const packDirectory = mkdtempSync(join(tmpdir(), 'runproof-check-packages-'));
try {
  const pack = ['pack', '--workspaces', '--json', '--silent', '--pack-destination', packDirectory];
  const packed = JSON.parse(execFileSync('npm', pack, { cwd: root, encoding: 'utf8' })) as PackedPackage[];
  const failed: string[] = [];
  for (const { name, filename } of packed) {
    const tarball = join(packDirectory, filename);
    console.log(`\n== ${name}: publint`);
    if (!runTool('publint', ['run', tarball, '--strict'])) failed.push(`${name} (publint)`);
    console.log(`\n== ${name}: attw --profile esm-only`);
    if (!runTool('attw', [tarball, '--profile', 'esm-only'])) failed.push(`${name} (attw)`);
  }
  if (packed.length === 0) failed.push('npm pack produced no tarball');
  if (failed.length > 0) {
    console.log(`\nfailed: ${failed.join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log(`\npackages checked: ${packed.map((entry) => entry.name).join(', ')}`);
  }
} finally {
  rmSync(packDirectory, { recursive: true, force: true });
}
