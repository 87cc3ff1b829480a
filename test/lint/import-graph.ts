// Reads the relative imports of a package's sources, and checks them against core's layer order.
// Used by layout.test.ts; kept apart so the checks can be tried on a graph with an edge added.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

/** file (relative to the package's src, posix separators) → the files it imports. */
export type ImportGraph = Map<string, Set<string>>;

const RELATIVE_IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

/** Every relative import (type-only ones too: they are dependencies a reader follows) of `srcDirectory`'s sources. */
export function readImportGraph(srcDirectory: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const path of sourceFiles(srcDirectory)) {
    const file = relative(srcDirectory, path).split(sep).join('/');
    const imports = new Set<string>();
    for (const match of readFileSync(path, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const specifier = (match[1] ?? match[2])!;
      imports.add(posix.normalize(posix.join(posix.dirname(file), specifier)));
    }
    graph.set(file, imports);
  }
  return graph;
}

/** Each import circle once, as the files around it (`a.ts → b.ts → a.ts`). */
export function findCycles(graph: ImportGraph): string[] {
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 'open') {
        const circle = stack.slice(stack.indexOf(target));
        // Start the circle at its smallest name so the same circle found twice reads the same.
        const start = circle.indexOf([...circle].sort()[0]!);
        const rotated = [...circle.slice(start), ...circle.slice(0, start)];
        cycles.add([...rotated, rotated[0]].join(' → '));
      } else if (!state.has(target) && graph.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return [...cycles];
}

/** A source's layer: its folder, or `root` for the files directly in src (except the entry points). */
export function layerOf(file: string, entryPoints: readonly string[]): string {
  if (entryPoints.includes(file)) return 'entry';
  const folder = dirname(file);
  return folder === '.' || folder === 'internal' ? 'root' : folder.split('/')[0]!;
}

/**
 * Imports that go against `order` (lowest layer first): a file may import its own layer and the
 * layers before it, never one after it. Entry points come last and nothing may import them.
 */
export function findLayerViolations(
  graph: ImportGraph,
  order: readonly string[],
  entryPoints: readonly string[],
): string[] {
  const rank = new Map([...order, 'entry'].map((layer, index) => [layer, index]));
  const violations: string[] = [];
  for (const [file, imports] of graph) {
    const from = layerOf(file, entryPoints);
    for (const target of imports) {
      const to = layerOf(target, entryPoints);
      const fromRank = rank.get(from);
      const toRank = rank.get(to);
      if (fromRank === undefined) violations.push(`${file}: folder "${from}" is not in the layer order`);
      else if (toRank === undefined) violations.push(`${file} → ${target}: folder "${to}" is not in the layer order`);
      else if (toRank > fromRank || (to === 'entry' && from === 'entry' && target !== file))
        violations.push(`${file} (${from}) → ${target} (${to})`);
    }
  }
  return [...new Set(violations)].sort();
}
