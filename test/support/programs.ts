import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The switch `.ci/run` sets: there, the programs tests need are installed, so a missing one is a
 * failure. Not `CI`, which users' own CI sets too, where a skip is the right answer.
 */
export const REQUIRE_TEST_PROGRAMS = 'RUNPROOF_REQUIRE_TEST_PROGRAMS';

/** What `requireProgram` options name. */
export interface RequireProgramOptions {
  /** How to install the program, for the skip line: `"Debian's prometheus package (apt-get install prometheus)"`. */
  install: string;
  /**
   * Folders to look in after PATH, for packages that install a program off PATH (Debian's
   * PostgreSQL keeps `postgres` in `/usr/lib/postgresql/<version>/bin`). Default: none.
   */
  folders?: string[];
}

/** A program some tests need that npm cannot install. */
export interface TestProgram {
  /** For node:test's `skip` option (or `t.skip()`): why the tests using the program are skipped, or false when they run. */
  readonly skip: string | false;
  /** The program's absolute path; throws, failing the test that asks, when the program is missing. */
  path(): string;
}

const lookups = new Map<string, string | undefined>();

/** The first executable named `name` in a PATH folder or then in `also`, looked up once per test process. */
function findOnPath(name: string, also: string[] = []): string | undefined {
  const lookup = [name, ...also].join(delimiter);
  if (!lookups.has(lookup)) {
    const folders = [...(process.env.PATH ?? '').split(delimiter), ...also].filter((folder) => folder !== '');
    lookups.set(lookup, folders.map((folder) => join(folder, name)).find(isExecutable));
  }
  return lookups.get(lookup);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a program that tests need and npm cannot install. When it is missing, the tests using it are
 * skipped with one line naming the package to install, so `npm test` passes on a fresh machine;
 * with `RUNPROOF_REQUIRE_TEST_PROGRAMS=1` (set by `.ci/run`, which installs them) they run and fail.
 *
 * @example
 * const promtool = requireProgram('promtool', { install: "Debian's prometheus package (apt-get install prometheus)" });
 * describe('the alerting rules', { skip: promtool.skip }, () => {
 *   test('are valid', () => { spawnSync(promtool.path(), ['check', 'rules', 'rules.yaml']); });
 * });
 */
export function requireProgram(name: string, options: RequireProgramOptions): TestProgram {
  const path = findOnPath(name, options.folders);
  if (path !== undefined) return { skip: false, path: () => path };
  const required = process.env[REQUIRE_TEST_PROGRAMS] === '1';
  return {
    skip: required ? false : `skipped: ${name} not found — install ${options.install}`,
    path: () => {
      throw new Error(
        `${name} not found on PATH, and ${REQUIRE_TEST_PROGRAMS}=1 requires it: install ${options.install}`,
      );
    },
  };
}
