import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { kafkaSaslMechanisms, SharedEnv } from '../config/shared-env.js';

/** How the Kafka client reaches the brokers: TLS or not, and whom it authenticates as (SASL). */
export interface KafkaCredentials {
  /** TLS to the brokers; `caFile` adds a private CA (PEM) to Node's trusted roots. */
  ssl?: { caFile?: string };
  sasl?: { mechanism: (typeof kafkaSaslMechanisms)[number]; username: string; password: string };
}

/** The credentials from KAFKA_SSL, KAFKA_SSL_CA_FILE and KAFKA_SASL_* (checked together by checkKafkaCredentials). */
export function kafkaCredentialsFrom(env: SharedEnv): KafkaCredentials {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = env;
  return {
    ...(env.KAFKA_SSL ? { ssl: env.KAFKA_SSL_CA_FILE ? { caFile: env.KAFKA_SSL_CA_FILE } : {} } : {}),
    ...(mechanism && username !== undefined && password !== undefined ? { sasl: { mechanism, username, password } } : {}),
  };
}

/** kafkajs's `ssl` and `sasl` client options. Reads the CA file, so call it when the client is made. */
export function kafkajsSecurityOptions(credentials: KafkaCredentials | undefined): { ssl?: tls.ConnectionOptions; sasl?: SASLOptions } {
  const options: { ssl?: tls.ConnectionOptions; sasl?: SASLOptions } = {};
  if (credentials?.ssl) {
    // A private CA is added to the default roots, not put in their place, so a broker whose
    // certificate a public CA signed still verifies.
    options.ssl = credentials.ssl.caFile ? { ca: [...tls.rootCertificates, readFileSync(credentials.ssl.caFile, 'utf8')] } : {};
  }
  if (credentials?.sasl) {
    const { mechanism, username, password } = credentials.sasl;
    options.sasl = { mechanism, username, password };
  }
  return options;
}

/** The brokers refused our SASL credentials: a configuration error, never retried. */
export class KafkaAuthenticationError extends Error {
  constructor(
    readonly mechanism: string,
    readonly username: string,
    readonly brokers: readonly string[],
    readonly reason: string,
  ) {
    super(
      `Kafka at ${brokers.join(',')} refused the SASL ${mechanism.toUpperCase()} credentials of user "${username}" ` +
        `(check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD): ${reason}`,
    );
    this.name = 'KafkaAuthenticationError';
  }
}

/** Turns kafkajs's authentication failure into a KafkaAuthenticationError; other errors pass through. */
export function explainKafkaError(error: unknown, credentials: KafkaCredentials | undefined, brokers: readonly string[]): unknown {
  if (error instanceof Error && error.name === 'KafkaJSSASLAuthenticationError' && credentials?.sasl) {
    return new KafkaAuthenticationError(credentials.sasl.mechanism, credentials.sasl.username, brokers, error.message);
  }
  return error;
}
