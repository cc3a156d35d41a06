// The alerting assets checked by the real tools: `promtool check rules`, the rule unit tests beside
// the rules (`promtool test rules`: each alert fires and resolves on synthetic series), the example
// Prometheus config, `amtool check-config` and the severity routing; and every alert's runbook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  ALERTMANAGER_CONFIG_FILE, PROMETHEUS_CONFIG_FILE, RULE_TESTS_FILE, RULES_FILE, RUNBOOKS_DIR,
  loadRules, recordingNamesIn, repoRoot, requireBinary, run,
} from './deploy-helpers.js';

const RUNBOOK_URL = /^https:\/\/github\.com\/ruvector\/ruvector\/blob\/main\/(docs\/runbooks\/([A-Za-z0-9]+)\.md)$/;

test('promtool check rules accepts the rule file', async () => {
  const promtool = requireBinary('promtool');
  const result = await run(promtool, ['check', 'rules', RULES_FILE]);
  assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules: every alert fires and resolves on synthetic series', async () => {
  const promtool = requireBinary('promtool');
  const result = await run(promtool, ['test', 'rules', 'deploy/prometheus/rules/ruvector.test.yml'], { timeoutMs: 300_000 });
  assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /SUCCESS/);

  // Every alert is checked at least once firing and once silent.
  const { alerts } = loadRules();
  const tests = (parseYaml(readFileSync(RULE_TESTS_FILE, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
  const checks = tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const { alert } of alerts) {
    assert.ok(checks.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} is never tested firing in ruvector.test.yml`);
    assert.ok(checks.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} is never tested resolved in ruvector.test.yml`);
  }
});

test('a rule unit test with a wrong expectation fails (the check can fail)', async (t) => {
  const promtool = requireBinary('promtool');
  const dir = mkdtempSync(join(tmpdir(), 'rv-promtool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(RULES_FILE, join(dir, 'ruvector.yml'));
  // RuVectorDown expected while the target still answers.
  writeFileSync(join(dir, 'wrong.test.yml'), [
    'rule_files: [ruvector.yml]',
    'evaluation_interval: 1m',
    'tests:',
    '  - interval: 1m',
    '    input_series:',
    '      - { series: \'up{job="ruvector",instance="rv-1:6333"}\', values: "1x20" }',
    '    alert_rule_test:',
    '      - eval_time: 10m',
    '        alertname: RuVectorDown',
    '        exp_alerts: [{ exp_labels: { severity: critical, job: ruvector, instance: "rv-1:6333" } }]',
    '',
  ].join('\n'));
  const result = await run(promtool, ['test', 'rules', 'wrong.test.yml'], { cwd: dir });
  assert.notEqual(result.code, 0);
  assert.match(result.stdout + result.stderr, /FAILED/);
});

test('alerts: the ones the plan asks for exist, each with a severity that routes and a runbook that exists', () => {
  const { alerts, recordings } = loadRules();
  const names = new Set(alerts.map((a) => a.alert));
  for (const required of [
    'RuVectorHighErrorRate', 'RuVectorErrorBudgetBurnFast', 'RuVectorErrorBudgetBurnSlow', 'RuVectorHighLatencyP95', 'RuVectorDown',
    'RuVectorDiskFilling', 'RuVectorHighMemory', 'RuVectorEventLoopLag', 'RuVectorReplicationLag', 'RuVectorAuditBacklog',
    'RuVectorCertificateExpiry', 'RuVectorBackupTooOld', 'RuVectorCircuitBreakerOpen', 'RuVectorLoadShedding',
  ]) assert.ok(names.has(required), `missing alert ${required}`);
  assert.equal(names.size, alerts.length, 'alert names are unique');

  for (const alert of alerts) {
    assert.ok(['critical', 'warning'].includes(alert.labels?.severity ?? ''), `${alert.alert}: severity must be critical (page) or warning (ticket)`);
    assert.ok((alert.annotations?.summary ?? '').length > 0, `${alert.alert}: summary`);
    const url = alert.annotations?.runbook_url ?? '';
    const match = RUNBOOK_URL.exec(url);
    assert.ok(match, `${alert.alert}: runbook_url ${JSON.stringify(url)} is not a docs/runbooks/<name>.md link`);
    assert.equal(match[2], alert.alert, `${alert.alert}: its runbook file is named after the alert`);
    const file = join(repoRoot, match[1]);
    assert.ok(existsSync(file), `${alert.alert}: ${match[1]} does not exist`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`^# ${alert.alert}\\b`, 'm'), `${match[1]} opens with the alert name`);
    for (const section of ['Symptoms', 'Checks', 'Resolution']) assert.match(text, new RegExp(`^## ${section}`, 'm'), `${match[1]} has a ${section} section`);
  }

  // SLIs: availability, p95 latency, error budget; every recording rule used is defined.
  const recorded = new Set(recordings.map((r) => r.record));
  for (const sli of ['ruvector:availability:ratio_rate5m', 'ruvector:http_request_duration_seconds:p95_5m', 'ruvector:error_budget_remaining:ratio30d']) {
    assert.ok(recorded.has(sli), `missing SLI recording rule ${sli}`);
  }
  for (const rule of [...alerts, ...recordings]) {
    for (const used of recordingNamesIn(rule.expr)) assert.ok(recorded.has(used), `${'alert' in rule ? rule.alert : rule.record} uses undefined recording rule ${used}`);
  }
});

test('disaster-recovery runbooks exist with symptoms, checks and resolution', () => {
  for (const name of ['cluster-failure', 'data-corruption', 'network-partition', 'stream-leader-election-failure', 'performance-degradation', 'security-incident']) {
    const file = join(RUNBOOKS_DIR, `${name}.md`);
    assert.ok(existsSync(file), `docs/runbooks/${name}.md`);
    const text = readFileSync(file, 'utf8');
    for (const section of ['Symptoms', 'Checks', 'Resolution']) assert.match(text, new RegExp(`^## ${section}`, 'm'), `${name}.md has a ${section} section`);
  }
});

test('the example Prometheus config passes promtool check config', async (t) => {
  const promtool = requireBinary('promtool');
  // promtool checks that the credentials file exists: lay the config out beside a key file.
  const dir = mkdtempSync(join(tmpdir(), 'rv-promcfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'rules'));
  copyFileSync(RULES_FILE, join(dir, 'rules', 'ruvector.yml'));
  writeFileSync(join(dir, 'api-key'), 'example-key\n', { mode: 0o600 });
  const config = readFileSync(PROMETHEUS_CONFIG_FILE, 'utf8');
  assert.match(config, /credentials_file: \/etc\/prometheus\/ruvector-api-key/);
  writeFileSync(join(dir, 'prometheus.yml'), config.replace('/etc/prometheus/ruvector-api-key', join(dir, 'api-key')));
  const result = await run(promtool, ['check', 'config', join(dir, 'prometheus.yml')]);
  assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /SUCCESS: 1 rule files found/);
});

test('amtool check-config accepts the Alertmanager config; critical pages, warning opens a ticket', async () => {
  const amtool = requireBinary('amtool');
  const check = await run(amtool, ['check-config', ALERTMANAGER_CONFIG_FILE]);
  assert.equal(check.code, 0, `${check.stdout}${check.stderr}`);
  assert.match(check.stdout, /SUCCESS/);
  const route = async (...labels: string[]): Promise<string> => {
    const result = await run(amtool, ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG_FILE}`, ...labels]);
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
    return result.stdout.trim();
  };
  assert.equal(await route('alertname=RuVectorDown', 'severity=critical'), 'ruvector-page');
  assert.equal(await route('alertname=RuVectorHighCpu', 'severity=warning'), 'ruvector-ticket');
  assert.equal(await route('alertname=Unlabelled'), 'ruvector-ticket');
  // Every alert in the rules reaches the receiver its severity names.
  for (const alert of loadRules().alerts) {
    const expected = alert.labels?.severity === 'critical' ? 'ruvector-page' : 'ruvector-ticket';
    assert.equal(await route(`alertname=${alert.alert}`, `severity=${alert.labels?.severity ?? ''}`), expected, alert.alert);
  }
});
