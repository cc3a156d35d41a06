// Each Grafana dashboard type-checked against @grafana/schema's `Dashboard` type (no Grafana can
// be installed here), plus the provisioning files and the links between dashboards and Prometheus.
//
// How: for each dashboard a TypeScript module is generated in memory (never written to the tree):
// the JSON text pasted as an object literal with `satisfies Wire<Dashboard>`, and compiled with the
// TypeScript compiler API under the repository's strict options. An object literal gets excess
// property checks, so a misspelt field fails as well as a wrong type. `Wire<T>` only turns
// Grafana's string enums into their string values (`ThresholdsMode.Absolute` → `'absolute'`),
// which is what the JSON holds; numeric enums accept their number literals as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { DASHBOARDS_DIR, loadDashboards, repoRoot } from './deploy-helpers.js';

const WIRE_TYPE = `
type Wire<T> =
  T extends string ? \`\${T}\` :
  T extends readonly (infer U)[] ? Wire<U>[] :
  T extends object ? { [K in keyof T]: Wire<T[K]> } :
  T;
`;

function moduleFor(json: string): string {
  return `import type { Dashboard } from '@grafana/schema';\n${WIRE_TYPE}\nexport const dashboard = ${json.trim()} satisfies Wire<Dashboard>;\n`;
}

/** Type-checks virtual modules placed in test/ (so '@grafana/schema' resolves from node_modules); returns errors per file. */
function typeCheck(modules: Map<string, string>): Map<string, string[]> {
  const virtual = new Map([...modules].map(([name, text]) => [join(repoRoot, 'test', '.virtual-dashboards', `${name}.ts`), text]));
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true, types: [], exactOptionalPropertyTypes: false,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(fileName);
    return text !== undefined ? ts.createSourceFile(fileName, text, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => virtual.has(fileName) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => virtual.get(fileName) ?? readFile(fileName);
  const program = ts.createProgram([...virtual.keys()], options, host);
  const errors = new Map<string, string[]>([...modules.keys()].map((name) => [name, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName ?? '';
    const name = [...modules.keys()].find((n) => file.endsWith(`/${n}.ts`));
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (name === undefined) assert.fail(`type-check setup error: ${message}`);
    const line = diagnostic.file !== undefined && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
    errors.get(name)?.push(`line ${line}: ${message.split('\n')[0]}`);
  }
  return errors;
}

test('every dashboard type-checks against @grafana/schema Dashboard; a wrong field type or a misspelt field fails', { timeout: 120_000 }, () => {
  const modules = new Map<string, string>();
  const files = ['overview', 'search', 'cluster', 'storage'];
  for (const name of files) modules.set(name, moduleFor(readFileSync(join(DASHBOARDS_DIR, `${name}.json`), 'utf8')));

  // Broken copies of the overview: each must fail, or the check proves nothing.
  const overview = JSON.parse(readFileSync(join(DASHBOARDS_DIR, 'overview.json'), 'utf8')) as { schemaVersion: unknown; panels: { gridPos: { h: unknown }; fieldConfig: { defaults: Record<string, unknown> } }[]; refresh: unknown };
  // The copies keep the first panels only: enough to exercise every field kind, cheaper to check.
  const broken = (mutate: (d: typeof overview) => void): string => {
    const copy = structuredClone(overview);
    copy.panels = copy.panels.slice(0, 3);
    mutate(copy);
    return moduleFor(JSON.stringify(copy, null, 2));
  };
  modules.set('broken-schema-version', broken((d) => { d.schemaVersion = '39'; }));
  modules.set('broken-grid-pos', broken((d) => { d.panels[1].gridPos.h = '8'; }));
  modules.set('broken-threshold-mode', broken((d) => { d.panels[1].fieldConfig.defaults.thresholds = { mode: 'absolut', steps: [] }; }));
  modules.set('broken-misspelt-field', broken((d) => { (d as unknown as Record<string, unknown>).refresh_interval = '30s'; }));

  const errors = typeCheck(modules);
  for (const name of files) assert.deepEqual(errors.get(name), [], `${name}.json does not match Dashboard`);
  const expected: [string, RegExp][] = [
    ['broken-schema-version', /'string' is not assignable to type 'number'/],
    ['broken-grid-pos', /'string' is not assignable to type 'number'/],
    ['broken-threshold-mode', /"absolut"' is not assignable to type '"absolute" \| "percentage"'/],
    ['broken-misspelt-field', /'"?refresh_interval"?' does not exist/],
  ];
  for (const [name, message] of expected) {
    const found = errors.get(name) ?? [];
    assert.ok(found.length > 0, `${name}: the type check accepted a broken dashboard`);
    assert.match(found.join('\n'), message, name);
  }
});

interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: { expr?: string; refId: string }[];
}

test('dashboards: unique uids and panel ids, panels inside the grid, queries through the datasource variable', () => {
  const uids = new Set<string>();
  for (const [file, json] of loadDashboards()) {
    const dashboard = json as { uid: string; title: string; panels: PanelJson[]; templating: { list: { name: string }[] } };
    assert.ok(!uids.has(dashboard.uid), `${file}: uid ${dashboard.uid} reused`);
    uids.add(dashboard.uid);
    assert.match(dashboard.title, /^RuVector \/ /);
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource'), `${file}: datasource variable`);
    const ids = new Set<number>();
    for (const panel of dashboard.panels) {
      assert.ok(!ids.has(panel.id), `${file}: panel id ${panel.id} reused`);
      ids.add(panel.id);
      assert.ok(panel.gridPos.x >= 0 && panel.gridPos.x + panel.gridPos.w <= 24, `${file}: panel "${panel.title}" outside the 24-column grid`);
      if (panel.type === 'row') continue;
      assert.equal(panel.datasource?.uid, '${datasource}', `${file}: panel "${panel.title}" datasource`);
      assert.ok((panel.targets ?? []).length > 0, `${file}: panel "${panel.title}" has no query`);
      for (const target of panel.targets ?? []) assert.ok((target.expr ?? '').length > 0, `${file}: panel "${panel.title}" target ${target.refId} has no expr`);
    }
    assert.ok(ids.size >= 8, `${file}: ${ids.size} panels`);
  }
});

test('Grafana provisioning: a file provider for the dashboards and the Prometheus data source', () => {
  const dashboards = parseYaml(readFileSync(join(repoRoot, 'deploy/grafana/provisioning/dashboards/ruvector.yml'), 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
  assert.equal(dashboards.apiVersion, 1);
  assert.equal(dashboards.providers[0].type, 'file');
  assert.ok(dashboards.providers[0].options.path.startsWith('/'));
  const datasources = parseYaml(readFileSync(join(repoRoot, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { apiVersion: number; datasources: { type: string; url: string }[] };
  assert.equal(datasources.apiVersion, 1);
  assert.equal(datasources.datasources[0].type, 'prometheus');
  assert.match(datasources.datasources[0].url, /^https?:\/\//);
});
