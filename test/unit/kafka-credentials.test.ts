import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseEnv, secretVariablesOf } from '../../core/config/parse-env.js';
import { kafkaCredentialsFrom, kafkajsSecurityOptions } from '../../core/kafka/kafka-credentials.js';
import { integrationsEnv } from '../../integrations/config.js';
import { gatewayEnv } from '../../server/config.js';

describe('Kafka credentials from the environment', () => {
  it('default to plaintext without SASL', () => {
    const config = parseEnv(gatewayEnv, {});
    expect(kafkaCredentialsFrom(config)).toEqual({});
    expect(kafkajsSecurityOptions(kafkaCredentialsFrom(config))).toEqual({});
  });

  it('read TLS and each SASL mechanism, in both processes', () => {
    for (const schema of [gatewayEnv, integrationsEnv]) {
      for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
        const config = parseEnv(schema, { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'a-password-here' });
        expect(kafkajsSecurityOptions(kafkaCredentialsFrom(config))).toEqual({ ssl: {}, sasl: { mechanism, username: 'svc', password: 'a-password-here' } });
      }
    }
  });

  it('add a private CA to the default roots', () => {
    const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-ca-')), 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nprivate\n-----END CERTIFICATE-----\n');
    const options = kafkajsSecurityOptions(kafkaCredentialsFrom(parseEnv(gatewayEnv, { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: caFile })));
    const ca = options.ssl?.ca as string[];
    expect(ca.at(-1)).toContain('private');
    expect(ca.length).toBe(tls.rootCertificates.length + 1);
  });

  it('refuse an incomplete SASL setting, naming each missing variable, and a CA without TLS', () => {
    expect(() => parseEnv(integrationsEnv, { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc' })).toThrow(/KAFKA_SASL_PASSWORD: Kafka SASL needs/);
    expect(() => parseEnv(gatewayEnv, { KAFKA_SASL_PASSWORD: 'a-password-here' })).toThrow(/KAFKA_SASL_MECHANISM[\s\S]*KAFKA_SASL_USERNAME/);
    expect(() => parseEnv(gatewayEnv, { KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM/);
    expect(() => parseEnv(gatewayEnv, { KAFKA_SSL_CA_FILE: '/ca.pem' })).toThrow(/KAFKA_SSL_CA_FILE: is only used with KAFKA_SSL=true/);
  });

  it('mark the SASL password secret (redacted from logs) in both processes', () => {
    expect(secretVariablesOf(gatewayEnv)).toContain('KAFKA_SASL_PASSWORD');
    expect(secretVariablesOf(integrationsEnv)).toContain('KAFKA_SASL_PASSWORD');
  });
});
