// The stores durable-run tests run against, each started for the test file and stopped after.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** A store for a suite: its URL once started, and one that cannot be reached. */
export interface DurableStoreUnderTest {
  kind: 'sqlite' | 'postgres' | 'redis';
  /** Why the suite is skipped (a program missing), or false. */
  skip: string | false;
  start(): Promise<string>;
  stop(): Promise<void>;
  /** A URL of this kind where nothing answers, with the password `hunter2`. */
  unreachableUrl: string;
}

export function durableStores(directory: string): DurableStoreUnderTest[] {
  const file = join(directory, 'runs.db');
  return [
    {
      kind: 'sqlite',
      skip: false,
      start: async () => `sqlite:${file}`,
      stop: async () => rmSync(file, { force: true }),
      unreachableUrl: 'sqlite:/proc/runproof-no-such-folder/runs.db',
    },
  ];
}
