// Size limits of what the system puts on Kafka, in one place so they stay consistent:
// one event < one producer batch < a topic's max.message.bytes (the broker rejects a record batch
// above it, and a batch that can never be accepted would be retried for ever).

/** max.message.bytes of every topic this system creates (the broker's default message.max.bytes). */
export const TOPIC_MAX_MESSAGE_BYTES = 1_048_576;

/** Upper bound of OUTBOX_BATCH_MAX_BYTES: half the topic limit leaves room for framing and companions. */
export const MAX_PRODUCE_BATCH_BYTES = TOPIC_MAX_MESSAGE_BYTES / 2;

/** Largest serialized event (key, value and headers) the outbox accepts; a bigger one fails its mutation. */
export const MAX_EVENT_BYTES = 256 * 1_024;

/** Kafka's per-record framing (lengths, offsets, timestamps as varints), rounded up. */
const RECORD_OVERHEAD_BYTES = 64;

/** Bytes one message takes in a produce request (UTF-8 key, value and headers plus framing). */
export function messageBytes(message: { key: string; value: string; headers?: Record<string, string> }): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 8;
  return bytes;
}
