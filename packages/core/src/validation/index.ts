export {
  compileValidator,
  type CompileValidatorOptions,
  pointerToParam,
  type JsonSchema,
  type ValidationProblem,
  type ValidationResult,
  type Validator,
} from './compile-validator.js';
export { type TextReadings } from './put-back-text.js';
export { checkJsonValue, type JsonValueLimits } from './check-json-value.js';
export { setField } from './set-field.js';
export { escapeUnseen, shownParam } from './shown-param.js';
