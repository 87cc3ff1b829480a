// A user's own LangGraph checkpointer: a BaseCheckpointSaver subclass that keeps every thread in one
// JSON file, read before and written after each call, so another process sees what this one saved.
// Runproof knows nothing about it: it only sees the metadata LangGraph hands its `put()`.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  BaseCheckpointSaver,
  compareWritesSortKeys,
  WRITES_IDX_MAP,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';

const keyOf = (threadId, namespace, checkpointId) => JSON.stringify([threadId, namespace, checkpointId]);

export class JsonFileSaver extends BaseCheckpointSaver {
  constructor(path) {
    super();
    this.path = path;
  }

  #load() {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      return { checkpoints: {}, writes: {} };
    }
  }

  #save(data) {
    writeFileSync(this.path, JSON.stringify(data, null, 2));
  }

  async #encode(value) {
    const [type, bytes] = await this.serde.dumpsTyped(value);
    return { type, data: Buffer.from(bytes).toString('base64') };
  }

  #decode(stored) {
    return this.serde.loadsTyped(stored.type, new Uint8Array(Buffer.from(stored.data, 'base64')));
  }

  async #tuple(data, row) {
    const key = keyOf(row.threadId, row.namespace, row.checkpointId);
    const writes = (data.writes[key] ?? [])
      .slice()
      .sort((a, b) =>
        compareWritesSortKeys(writesSortKey(a.taskPath, a.taskId, a.idx), writesSortKey(b.taskPath, b.taskId, b.idx)),
      );
    const config = {
      configurable: { thread_id: row.threadId, checkpoint_ns: row.namespace, checkpoint_id: row.checkpointId },
    };
    return {
      config,
      checkpoint: await this.#decode(row.checkpoint),
      metadata: await this.#decode(row.metadata),
      parentConfig:
        row.parentId === undefined
          ? undefined
          : { configurable: { thread_id: row.threadId, checkpoint_ns: row.namespace, checkpoint_id: row.parentId } },
      pendingWrites: await Promise.all(
        writes.map(async (write) => [write.taskId, write.channel, await this.#decode(write.value)]),
      ),
    };
  }

  #rows(data, threadId, namespace) {
    return Object.values(data.checkpoints)
      .filter((row) => row.threadId === threadId && (namespace === undefined || row.namespace === namespace))
      .sort((a, b) => (a.checkpointId < b.checkpointId ? 1 : -1));
  }

  async getTuple(config) {
    const {
      thread_id: threadId,
      checkpoint_ns: namespace = '',
      checkpoint_id: checkpointId,
    } = config.configurable ?? {};
    const data = this.#load();
    const row =
      checkpointId === undefined
        ? this.#rows(data, threadId, namespace)[0]
        : data.checkpoints[keyOf(threadId, namespace, checkpointId)];
    return row === undefined ? undefined : this.#tuple(data, row);
  }

  async *list(config, options = {}) {
    const { thread_id: threadId, checkpoint_ns: namespace } = config.configurable ?? {};
    const data = this.#load();
    let rows = this.#rows(data, threadId, namespace);
    const before = options.before?.configurable?.checkpoint_id;
    if (before !== undefined) rows = rows.filter((row) => row.checkpointId < before);
    if (options.limit !== undefined) rows = rows.slice(0, options.limit);
    for (const row of rows) yield await this.#tuple(data, row);
  }

  async put(config, checkpoint, metadata) {
    const { thread_id: threadId, checkpoint_ns: namespace = '', checkpoint_id: parentId } = config.configurable ?? {};
    const data = this.#load();
    data.checkpoints[keyOf(threadId, namespace, checkpoint.id)] = {
      threadId,
      namespace,
      checkpointId: checkpoint.id,
      parentId,
      checkpoint: await this.#encode(checkpoint),
      metadata: await this.#encode(metadata),
    };
    this.#save(data);
    return { configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config, writes, taskId, taskPath = '') {
    const {
      thread_id: threadId,
      checkpoint_ns: namespace = '',
      checkpoint_id: checkpointId,
    } = config.configurable ?? {};
    const data = this.#load();
    const key = keyOf(threadId, namespace, checkpointId);
    const stored = (data.writes[key] ??= []);
    for (const [index, [channel, value]] of writes.entries()) {
      const idx = WRITES_IDX_MAP[channel] ?? index;
      const at = stored.findIndex((write) => write.taskId === taskId && write.idx === idx);
      // Special writes (errors, interrupts) replace an earlier one; regular ones are written once.
      if (at >= 0 && idx >= 0) continue;
      const write = { taskId, taskPath, idx, channel, value: await this.#encode(value) };
      if (at >= 0) stored[at] = write;
      else stored.push(write);
    }
    this.#save(data);
  }

  async deleteThread(threadId) {
    const data = this.#load();
    for (const [key, row] of Object.entries(data.checkpoints))
      if (row.threadId === threadId) delete data.checkpoints[key];
    for (const key of Object.keys(data.writes)) if (JSON.parse(key)[0] === threadId) delete data.writes[key];
    this.#save(data);
  }
}
