// The drift baselines' side of the run store, one suite against SQLite (a file), PostgreSQL and
// Redis (real servers on loopback ports): batches that widen first and last sightings and add
// counts, the first value of a subject and kind as its baseline, moves as compare-and-set, first
// writers racing, listings for a process's start and for `runproof inventory`, the version kept
// apart from the journal's, and hostile text.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import type {
  BaselineObservation,
  BaselineStore,
  BaselineValue,
} from '../../packages/core/src/continuity/baselines.ts';
import { BASELINES_SCHEMA_VERSION, isBaselineStore } from '../../packages/core/src/continuity/baselines.ts';
import type { RunStore } from '../../packages/core/src/continuity/journal.ts';
import { openStore } from '../../packages/core/src/continuity/open-store.ts';
import { SCHEMA_VERSION } from '../../packages/core/src/continuity/schema.ts';
import { LEASE_MS, T0 } from './records.ts';
import { storeKinds } from './store-kinds.ts';

const CALL = 'a'.repeat(64);
const OTHER_CALL = 'b'.repeat(64);
const CONTEXT = JSON.stringify({
  on: 'call',
  workflow: 'invoice-triage',
  step: 'extract',
  provider: 'openai',
  operation: 'chat',
  model: 'gpt-4o-mini',
});

function seen(
  subject: string,
  kind: string,
  value: string,
  count: number,
  firstSeen: number,
  lastSeen = firstSeen,
  extra: Partial<BaselineObservation> = {},
): BaselineObservation {
  return { subject, kind, value, count, firstSeen, lastSeen, ...extra };
}

/** Values in one order whatever the store's: by subject, kind, first sighting, value. */
function sorted(values: BaselineValue[]): BaselineValue[] {
  const key = (value: BaselineValue) =>
    [value.subject, value.kind, String(value.firstSeen).padStart(16, '0'), value.value].join('\u0000');
  return [...values].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

for (const kind of storeKinds) {
  describe(`${kind.kind} store: drift baselines`, { skip: kind.skip }, () => {
    const opened: RunStore[] = [];
    let store: RunStore & BaselineStore;

    async function open(url: string): Promise<RunStore & BaselineStore> {
      const made = await openStore(url);
      opened.push(made);
      assert.ok(isBaselineStore(made), `the ${kind.kind} store keeps baselines`);
      return made;
    }

    before(async () => {
      await kind.setUp();
      store = await open(await kind.fresh());
    });
    after(async () => {
      await Promise.all(opened.map((each) => each.close()));
      await kind.tearDown();
    });

    test('the first batch of a subject makes its earliest value of each kind the baseline, from its first sighting', async () => {
      const now = await store.recordObservations([
        seen(CALL, 'resolved_model', 'gpt-4o-mini-2024-07-18', 3, T0 + 100, T0 + 900, { context: CONTEXT }),
        seen(CALL, 'system_fingerprint', 'fp_27bebe765c', 2, T0 + 100, T0 + 500, { context: CONTEXT }),
        seen(CALL, 'system_fingerprint', 'fp_4fe6d1250b', 1, T0 + 50, T0 + 50, { context: CONTEXT }),
        seen(CALL, 'output_shape', 'f'.repeat(64), 3, T0 + 100, T0 + 900, {
          context: CONTEXT,
          detail: '{"label":"string"}',
        }),
      ]);
      const expected: BaselineValue[] = [
        {
          subject: CALL,
          kind: 'output_shape',
          value: 'f'.repeat(64),
          firstSeen: T0 + 100,
          lastSeen: T0 + 900,
          count: 3,
          baselineSince: T0 + 100,
          context: CONTEXT,
          detail: '{"label":"string"}',
        },
        {
          subject: CALL,
          kind: 'resolved_model',
          value: 'gpt-4o-mini-2024-07-18',
          firstSeen: T0 + 100,
          lastSeen: T0 + 900,
          count: 3,
          baselineSince: T0 + 100,
          context: CONTEXT,
        },
        {
          subject: CALL,
          kind: 'system_fingerprint',
          value: 'fp_4fe6d1250b',
          firstSeen: T0 + 50,
          lastSeen: T0 + 50,
          count: 1,
          baselineSince: T0 + 50,
          context: CONTEXT,
        },
        {
          subject: CALL,
          kind: 'system_fingerprint',
          value: 'fp_27bebe765c',
          firstSeen: T0 + 100,
          lastSeen: T0 + 500,
          count: 2,
          context: CONTEXT,
        },
      ];
      assert.deepEqual(sorted(now), expected);
      assert.deepEqual(sorted(await store.readBaselines([CALL])), expected);
    });

    test('later batches add counts and widen sightings, keep the baseline, and keep context and detail from the first writer', async () => {
      await store.recordObservations([seen(OTHER_CALL, 'resolved_model', 'gpt-4o-2024-08-06', 1, T0 + 1_000)]);
      await store.recordObservations([
        seen(OTHER_CALL, 'resolved_model', 'gpt-4o-2024-08-06', 4, T0 + 500, T0 + 2_000, {
          context: '{"workflow":"first"}',
        }),
        seen(OTHER_CALL, 'resolved_model', 'gpt-4o-2024-11-20', 2, T0 + 1_500, T0 + 1_600, {
          detail: '{"first":true}',
        }),
      ]);
      const now = await store.recordObservations([
        seen(OTHER_CALL, 'resolved_model', 'gpt-4o-2024-08-06', 1, T0 + 1_800, T0 + 1_800, {
          context: '{"workflow":"second"}',
        }),
        seen(OTHER_CALL, 'resolved_model', 'gpt-4o-2024-11-20', 1, T0 + 3_000, T0 + 3_000, {
          context: '{"workflow":"second"}',
          detail: '{"second":true}',
        }),
      ]);
      assert.deepEqual(sorted(now), [
        {
          subject: OTHER_CALL,
          kind: 'resolved_model',
          value: 'gpt-4o-2024-08-06',
          firstSeen: T0 + 500,
          lastSeen: T0 + 2_000,
          count: 6,
          baselineSince: T0 + 1_000,
          context: '{"workflow":"first"}',
        },
        {
          subject: OTHER_CALL,
          kind: 'resolved_model',
          value: 'gpt-4o-2024-11-20',
          firstSeen: T0 + 1_500,
          lastSeen: T0 + 3_000,
          count: 3,
          context: '{"workflow":"first"}',
          detail: '{"first":true}',
        },
      ]);
      assert.deepEqual(await store.readBaselines(['c'.repeat(64)]), [], 'a subject never recorded has no values');
      assert.equal((await store.readBaselines([CALL])).length, 4, 'other subjects are untouched');
    });

    test('a move is a compare-and-set on the current baseline, to a value already recorded', async () => {
      const subject = 'd'.repeat(64);
      await store.recordObservations([
        seen(subject, 'resolved_model', 'old', 5, T0),
        seen(subject, 'resolved_model', 'new', 12, T0 + 10),
      ]);
      assert.equal(
        await store.moveBaseline(subject, 'resolved_model', 'new', 'old', T0 + 20),
        false,
        'from a value that is not the baseline',
      );
      assert.equal(
        await store.moveBaseline(subject, 'resolved_model', 'old', 'never-seen', T0 + 20),
        false,
        'to a value never recorded',
      );
      assert.equal(await store.moveBaseline(subject, 'output_shape', 'old', 'new', T0 + 20), false, 'of another kind');
      assert.equal(await store.moveBaseline(subject, 'resolved_model', 'old', 'new', T0 + 30), true);
      assert.equal(
        await store.moveBaseline(subject, 'resolved_model', 'old', 'new', T0 + 40),
        false,
        'the same move again: it already happened',
      );
      assert.deepEqual(
        sorted(await store.readBaselines([subject])).map((value) => [value.value, value.baselineSince]),
        [
          ['old', undefined],
          ['new', T0 + 30],
        ],
      );
      // A later batch never re-elects a baseline for a subject and kind that has one.
      await store.recordObservations([seen(subject, 'resolved_model', 'old', 1, T0 + 50)]);
      assert.deepEqual(
        sorted(await store.readBaselines([subject])).map((value) => [value.value, value.count, value.baselineSince]),
        [
          ['old', 6, undefined],
          ['new', 12, T0 + 30],
        ],
      );
    });

    test('first writers racing over several connections agree on one baseline per subject and kind; racing moves move once', async () => {
      const url = await kind.fresh();
      const writers = await Promise.all(Array.from({ length: 4 }, () => open(url)));
      const subjects = Array.from({ length: 10 }, (_, index) => `race-${index}`);
      await Promise.all(
        writers.flatMap((writer, index) =>
          subjects.map((subject) =>
            writer.recordObservations([seen(subject, 'input_shape', `shape-${index}`, 1, T0 + index)]),
          ),
        ),
      );
      const values = await writers[0]!.readBaselines(subjects);
      for (const subject of subjects) {
        const ofSubject = values.filter((value) => value.subject === subject);
        assert.equal(ofSubject.length, 4, subject);
        assert.equal(ofSubject.filter((value) => value.baselineSince !== undefined).length, 1, inspect(ofSubject));
      }
      const current = values.find((value) => value.subject === 'race-0' && value.baselineSince !== undefined)!.value;
      const next = current === 'shape-3' ? 'shape-2' : 'shape-3';
      const moves = await Promise.all(
        writers.map((writer) => writer.moveBaseline('race-0', 'input_shape', current, next, T0 + 100)),
      );
      assert.equal(moves.filter(Boolean).length, 1);
      assert.equal(
        await store.moveBaseline('race-0', 'input_shape', next, next, T0 + 200),
        false,
        'to the baseline itself',
      );
    });

    test('listings return whole subjects, the most recently seen first, since a time and up to a limit', async () => {
      const url = await kind.fresh();
      const listed = await open(url);
      assert.deepEqual(await listed.listBaselines(), []);
      await listed.recordObservations([seen('old-subject', 'resolved_model', 'm-1', 1, T0, T0 + 10)]);
      // The baseline was last seen long ago, its successor recently: the subject comes whole.
      await listed.recordObservations([
        seen('moving', 'resolved_model', 'baseline', 9, T0, T0 + 100),
        seen('moving', 'resolved_model', 'newer', 2, T0 + 5_000, T0 + 6_000),
      ]);
      await listed.recordObservations([seen('recent', 'input_shape', 'shape', 1, T0 + 3_000, T0 + 4_000)]);
      const subjectsOf = (values: BaselineValue[]) => [...new Set(values.map((value) => value.subject))];
      assert.deepEqual(subjectsOf(await listed.listBaselines()), ['moving', 'recent', 'old-subject']);
      assert.deepEqual(subjectsOf(await listed.listBaselines({ limit: 2 })), ['moving', 'recent']);
      const since = await listed.listBaselines({ since: T0 + 4_000 });
      assert.deepEqual(
        sorted(since).map((value) => [value.subject, value.value, value.baselineSince]),
        [
          ['moving', 'baseline', T0],
          ['moving', 'newer', undefined],
          ['recent', 'shape', T0 + 3_000],
        ],
      );
    });

    test('hostile subjects, kinds, values and context round-trip exactly', async () => {
      const hostile = [
        `it's "quoted"`,
        `'; DROP TABLE runproof_baselines; --`,
        'two\nlines\r\nand a tab\t',
        '%d+ (.*) $1 ? %s \\ ]] --[[',
        '請求書-Ünïcödé-🧾',
        ' spaced ',
        'v\nkind\nvalue',
        '1 2 3',
      ];
      const batch = hostile.map((text, index) =>
        seen(`subject ${text}`, 'input_shape', `value ${text}`, index + 1, T0 + index, T0 + index + 1, {
          context: JSON.stringify({ text }),
          detail: text,
        }),
      );
      const recorded = await store.recordObservations(batch);
      const expected = sorted(
        batch.map((observation) => ({
          subject: observation.subject,
          kind: observation.kind,
          value: observation.value,
          firstSeen: observation.firstSeen,
          lastSeen: observation.lastSeen,
          count: observation.count,
          baselineSince: observation.firstSeen,
          context: observation.context!,
          detail: observation.detail!,
        })),
      );
      assert.deepEqual(sorted(recorded), expected);
      assert.deepEqual(sorted(await store.readBaselines(hostile.map((text) => `subject ${text}`))), expected);
    });

    test('a batch the store cannot keep as given is refused whole, naming why', async () => {
      const subject = 'e'.repeat(64);
      const refused = async (batch: BaselineObservation[], reason: RegExp) => {
        await assert.rejects(
          store.recordObservations(batch),
          (error: Error) => error instanceof TypeError && reason.test(error.message),
        );
      };
      await refused(
        [seen(subject, 'resolved_model', 'm', 1, T0), seen(subject, 'two\nlines', 'm', 1, T0)],
        /kind "two\\nlines" is not a drift kind/,
      );
      await refused([seen(subject, 'resolved_model', 'nul\u0000byte', 1, T0)], /U\+0000/);
      await refused([seen(subject, 'resolved_model', 'x'.repeat(1025), 1, T0)], /too long/);
      await refused([seen(subject, 'resolved_model', 'm', 0, T0)], /count at least 1/);
      await refused(
        [seen(subject, 'resolved_model', 'm', 1, T0), seen(subject, 'resolved_model', 'm', 2, T0)],
        /twice in one batch/,
      );
      assert.deepEqual(await store.readBaselines([subject]), []);
      assert.deepEqual(await store.recordObservations([]), []);
    });

    test("the baselines keep a schema version of their own; the journal's is untouched", async () => {
      const url = await kind.fresh();
      const journalOnly = await open(url);
      await journalOnly.claim('inv-1', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      await journalOnly.recordObservations([seen(CALL, 'resolved_model', 'm', 1, T0)]);
      assert.equal(await kind.schemaVersion(url), SCHEMA_VERSION);
      assert.equal(await kind.schemaVersion(url, undefined, 'baselines_schema_version'), BASELINES_SCHEMA_VERSION);
    });

    test('baselines written by a newer Runproof are refused for drift only: the journal goes on working', async () => {
      const url = await kind.fresh();
      const first = await open(url);
      await first.recordObservations([seen(CALL, 'resolved_model', 'm', 1, T0)]);
      await kind.schemaVersion(url, BASELINES_SCHEMA_VERSION + 1, 'baselines_schema_version');
      const later = await open(url);
      await assert.rejects(
        later.readBaselines([CALL]),
        (error: Error & { issues?: { code: string }[] }) =>
          error.name === 'ConfigError' &&
          error.issues?.[0]?.code === 'store_schema_too_new' &&
          error.message.includes(`drift baselines of schema version ${BASELINES_SCHEMA_VERSION + 1}`),
      );
      assert.deepEqual(await later.claim('inv-2', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0), {
        kind: 'claimed',
        journal: undefined,
      });
      assert.equal(await kind.schemaVersion(url, undefined, 'baselines_schema_version'), BASELINES_SCHEMA_VERSION + 1);
    });
  });
}
