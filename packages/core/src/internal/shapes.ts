/**
 * Objects kept for their shape alone. V8 gives a class's instances their final hidden class (map)
 * through transitions it holds weakly. When a full collection runs while no instance is alive (a
 * process between bursts of calls, or idle), that map is collected, and every optimized function
 * that handled such objects is thrown away ("embedded weak objects cleared" in `--trace-deopt`).
 * The next calls then run interpreted and are compiled again. One idle instance of each per-call
 * class keeps its map, so that code stays compiled. Measured in docs/benchmarks.md ("Issue 14:
 * fourth round").
 */
const kept: object[] = [];

/**
 * For adapters: keeps `instances` alive for the life of the process, for their maps (see above).
 * Build each one once, at module load, through its class's own constructor, with inert arguments:
 * it must hold no caller data and be watched by nothing.
 *
 * @example
 * keepShapes(new CallOutput());
 */
export function keepShapes(...instances: object[]): void {
  kept.push(...instances);
}
