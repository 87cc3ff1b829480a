/** The V8 sampling profiler (what `node --cpu-prof` runs), started and stopped on request. */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

// Finer than the 1 ms default: a call costs about a millisecond of CPU in all.
const SAMPLING_INTERVAL_MICROS = 200;

export class CpuProfiler {
  private session: Session | undefined;

  async start(): Promise<void> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_MICROS });
    await session.post('Profiler.start');
    this.session = session;
  }

  /** Writes the profile as a `.cpuprofile` file (Chrome DevTools, `profile-summary.ts`). */
  async stop(file: string): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    this.session = undefined;
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}
