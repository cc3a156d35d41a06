/** The configuration as it may be logged: every secret that is set becomes "***". */
import { CONFIG_SCHEMA, type FieldSpec, type RuVectorConfig } from './schema.js';

export const REDACTED = '***';

/**
 * A plain copy of `config` safe for one startup log line.
 * @example
 *   logger.info({ config: redactConfig(config) }, 'effective configuration');
 */
export function redactConfig(config: RuVectorConfig): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(CONFIG_SCHEMA)) {
    const values = config[section as keyof RuVectorConfig] as Record<string, unknown>;
    out[section] = {};
    for (const [key, field] of Object.entries(fields as Record<string, FieldSpec>)) {
      const value = values[key];
      const secret = field.type === 'string' && field.secret === true;
      out[section][key] = secret && value !== undefined ? REDACTED : value;
    }
  }
  return out;
}
