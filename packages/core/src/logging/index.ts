export { createLogger, droppedLogLinesMessage, maxPendingLogBytes, redactedLogPaths, type Logger, type LoggerSettings } from './create-logger.js';
export { throttled } from './throttled.js';
