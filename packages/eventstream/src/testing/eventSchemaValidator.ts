/**
 * Validates published events against the schemas in docs/events/ (as generated from the
 * contract), with Ajv. Tests run every message they read off a topic or file through it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { buildEventSchemas } from '../cloudevents/eventSchemas.js';

// ajv-formats is CommonJS with its function on `default`.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Validates one event; `errors` lists what is wrong, empty when it is valid. */
export type EventSchemaValidator = (event: unknown) => { readonly type: string; readonly errors: readonly string[] };

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/** Compiles every event type's schema once and returns a validator choosing by the event's `type`. */
export function eventSchemaValidator(): EventSchemaValidator {
  // Not strict: the contract's schemas carry annotations of their own (`x-…`) besides JSON Schema.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= INT32.min && value <= INT32.max });
  ajv.addFormat('uint32', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= 0 && value <= 2 ** 32 - 1 });
  ajv.addFormat('int64', { type: 'string', validate: /^-?\d+$/ });
  const validators = new Map<string, ValidateFunction>();
  for (const [type, schema] of buildEventSchemas()) validators.set(type, ajv.compile(schema));
  return (event) => {
    const type = typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string' ? (event as { type: string }).type : '';
    const validate = validators.get(type);
    if (validate === undefined) return { type, errors: [`no schema for event type ${JSON.stringify(type)}`] };
    if (validate(event)) return { type, errors: [] };
    return { type, errors: (validate.errors ?? []).map((error) => `${error.instancePath || '(event)'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`) };
  };
}
