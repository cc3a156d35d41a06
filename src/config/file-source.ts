/** The TOML layer: `[section]` tables of keys, read into entries that remember the file. */
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { RvError } from '../errors.js';
import type { ConfigEntry } from './config-entry.js';

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Parses TOML text into entries. A top-level key that is not a table, or a table nested inside
 * a section, becomes an entry with a path the validator reports as unknown (never dropped).
 */
export function entriesFromToml(text: string, file: string): ConfigEntry[] {
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (cause) {
    const where = cause instanceof TomlError ? ` at line ${cause.line}, column ${cause.column}` : '';
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new RvError('RV_CONFIG_INVALID', `config file ${file}: invalid TOML${where}: ${reason}`, { cause, details: { file } });
  }
  const source = { kind: 'file', name: file } as const;
  const entries: ConfigEntry[] = [];
  for (const [section, table] of Object.entries(document)) {
    if (!isTable(table)) {
      entries.push({ path: section, value: table, source });
      continue;
    }
    for (const [key, value] of Object.entries(table)) entries.push({ path: `${section}.${key}`, value, source });
  }
  return entries;
}

/** Reads a TOML config file; a missing or unreadable file is an error naming the path. */
export function readConfigFile(file: string): ConfigEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(cause)})`;
    throw new RvError('RV_CONFIG_INVALID', `config file ${file} ${reason}`, { cause, details: { file } });
  }
  return entriesFromToml(text, file);
}
