// Shared by the deploy tests: the real Prometheus tools (never skipped: a missing binary fails the
// test and says how to get it), the deploy assets' paths, and the PromQL metric-name extraction.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../server/helpers.js';

export { repoRoot };

export const RULES_FILE = join(repoRoot, 'deploy/prometheus/rules/ruvector.yml');
export const RULE_TESTS_FILE = join(repoRoot, 'deploy/prometheus/rules/ruvector.test.yml');
export const PROMETHEUS_CONFIG_FILE = join(repoRoot, 'deploy/prometheus/prometheus.yml');
export const ALERTMANAGER_CONFIG_FILE = join(repoRoot, 'deploy/alertmanager/config.yml');
export const DASHBOARDS_DIR = join(repoRoot, 'deploy/grafana/dashboards');
export const RUNBOOKS_DIR = join(repoRoot, 'docs/runbooks');

/** The absolute path of `name` on PATH (or in /usr/bin, /usr/sbin); fails the test when absent. */
export function requireBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return assert.fail(`${name} is not installed: .ci/run installs it (apt-get install prometheus prometheus-alertmanager)`);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never throws on a non-zero exit: the caller asserts). */
export function run(file: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? repoRoot, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RecordingRule {
  record: string;
  expr: string;
}
interface RuleFile {
  groups: { name: string; rules: (AlertRule | RecordingRule)[] }[];
}

export function loadRules(): { alerts: AlertRule[]; recordings: RecordingRule[] } {
  const file = parseYaml(readFileSync(RULES_FILE, 'utf8')) as RuleFile;
  const rules = file.groups.flatMap((g) => g.rules);
  return {
    alerts: rules.filter((r): r is AlertRule => 'alert' in r),
    recordings: rules.filter((r): r is RecordingRule => 'record' in r),
  };
}

/** Every dashboard file: name → parsed JSON. */
export function loadDashboards(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const name of readdirSync(DASHBOARDS_DIR).filter((n) => n.endsWith('.json')).sort()) {
    out.set(name, JSON.parse(readFileSync(join(DASHBOARDS_DIR, name), 'utf8')));
  }
  return out;
}

/** Every PromQL expression of a dashboard: panel targets (rows included) and query variables. */
export function dashboardExpressions(dashboard: unknown): string[] {
  const out: string[] = [];
  const visit = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) visit(v, k);
    else if (typeof value === 'string' && (key === 'expr' || key === 'query')) out.push(value);
  };
  visit(dashboard);
  return out;
}

/**
 * The metric names an expression selects: identifiers starting `ruvector_` (recording rules are
 * `ruvector:…`, with colons, so they never match), with string literals (label values, regexes)
 * removed first so a label value cannot pass for a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  return [...withoutStrings.matchAll(/(?<![\w:])ruvector_[A-Za-z0-9_]+(?![\w:])/g)].map((m) => m[0]);
}

/** The recording-rule names an expression uses (`ruvector:…`). */
export function recordingNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return [...withoutStrings.matchAll(/(?<![\w:])ruvector:[A-Za-z0-9_:]+/g)].map((m) => m[0]);
}

/** Metric families of an exposition: name → type (from the `# TYPE` lines). */
export function exportedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1], match[2]);
  return families;
}

/**
 * Whether a name used in PromQL is a series the exposition produces: a family itself (counter,
 * gauge, untyped, summary quantiles), or a histogram's `_bucket`/`_sum`/`_count`, a summary's
 * `_sum`/`_count`. A suffix is stripped only when the family it leaves is of a type that has it.
 */
export function isExported(name: string, families: Map<string, string>): boolean {
  const type = families.get(name);
  if (type !== undefined && type !== 'histogram') return true;
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (suffix === null) return false;
  const familyType = families.get(name.slice(0, -suffix[0].length));
  if (familyType === 'histogram') return true;
  return familyType === 'summary' && suffix[1] !== 'bucket';
}

/**
 * fetch that waits out a retryable 503 (load shedding under a CPU-starved test machine answers
 * 503 with Retry-After, as it should): retries until another status or `timeoutMs`, like a client.
 */
export async function fetchRetrying(url: string, init: RequestInit = {}, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url, init);
    if (response.status !== 503 || Date.now() > deadline) return response;
    await response.arrayBuffer();
    const retryAfterSeconds = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number.isFinite(retryAfterSeconds) ? retryAfterSeconds : 1, 2) * 1000));
  }
}
