import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Headers and option objects are the
 * places a key can hide; the request body is never logged at all.
 */
export const redactedLogPaths = [
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["x-goog-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers.cookie',
  'api_key',
  'apiKey',
  'master_key',
  'masterKey',
  'key',
  '*.api_key',
  '*.apiKey',
  '*.master_key',
  '*.key',
  '*.secret_access_key',
  '*.session_token',
  '*.*.api_key',
  '*.*.secret_access_key',
];

export interface LoggerSettings {
  level?: string;
  /** Where lines go; defaults to stdout through pino's asynchronous writer. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'switchyard' },
    redact: { paths: redactedLogPaths, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = settings.destination ?? pino.destination({ sync: false });
  return pino(options, destination);
}
