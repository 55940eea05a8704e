// The message-bus contract the rest of the code depends on. Only ./kafkajs-bus.ts knows which Kafka
// client implements it (kafkajs today; it is unmaintained, so swapping it must stay a one-file change).

export interface OutgoingMessage {
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Broker timestamp, ms since the epoch. */
  timestamp: number;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts: the beginning (default) or only new messages. */
  fromBeginning?: boolean;
  /**
   * For a new group only: start at the first message at or after this time (ms since the epoch),
   * per partition (the group's offsets are set before it joins). Wins over `fromBeginning`.
   */
  startAtTimestamp?: number;
  /** Partitions handled in parallel by this member; order within a partition is always kept. */
  concurrency?: number;
  /**
   * Called once per message, in order within its partition. Its offset is committed only after it
   * resolves (at-least-once). A rejection re-delivers the message after a pause: handlers that must
   * not block their partition catch their own errors and dead-letter instead.
   */
  handler: (message: IncomingMessage) => Promise<void>;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Broker topic configs, e.g. { 'message.timestamp.type': 'LogAppendTime' }. */
  configs?: Record<string, string>;
}

export interface ConsumerLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface MessageBus {
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Resolves once every message is acknowledged by all in-sync replicas; keeps the order given. */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Like publish, for several topics in one request. */
  publishMany(batches: TopicMessages[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Per partition of `topics`, how many messages `groupId` has yet to read. */
  consumerLag(groupId: string, topics: string[]): Promise<ConsumerLag[]>;
  /** True when the broker answered a metadata request just now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
