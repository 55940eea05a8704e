import { setLogLevel } from '../../core/logger.js';

// Each test file: logs at LOG_LEVEL (vitest.config.ts defaults it to warn) like the processes do.
setLogLevel(process.env.LOG_LEVEL ?? 'warn');
