// The one ajv setup of the project: JSON Schema 2020-12 with the spec's formats. Request validation
// (compile.ts) and response validation (responses.ts) both build their instances here.
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isDateInput } from '../runtime/dates.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext resolution.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * The formats every validator of the specs uses (the server's, and the tests' response checks): ajv-formats,
 * with `date-time` and `date-or-date-time` replaced by the mock's own date parser (server/runtime/dates.ts), so
 * that what the validator accepts is exactly what the handlers can read — calendar validity included, which the
 * spec's patterns cannot express (`2024-02-30` matches the pattern, not the format).
 */
export function addSpecFormats<A extends Ajv2020>(ajv: A): A {
  addFormats(ajv);
  ajv.addFormat('date-time', (value: string) => isDateInput(value, 'date-time'));
  ajv.addFormat('date-or-date-time', (value: string) => isDateInput(value, 'date-or-date-time'));
  return ajv;
}

/** A new Ajv2020 with the spec's formats. */
export function createAjv(options: Options): Ajv2020 {
  return addSpecFormats(new Ajv2020(options));
}
