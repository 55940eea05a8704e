/**
 * Integrations the gateway knows for runs and status. The gateway has no adapter registry (that is
 * the integrations process's); a second integration adds its name here.
 */
export const integrationNames: readonly string[] = ['stripe'];
