/**
 * deploy/prometheus/alerts.yaml with Debian's promtool: the rules check, every unit test passes, each alert has
 * a test file that makes it fire and one test where it stays quiet, a runbook paragraph in docs/alerts.md, and
 * names only metrics geomesh exports. A broken rule makes the unit tests fail (they can fail).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { PROJECT_ROOT, ensurePrometheusBinaries } from '../../harness/index.ts';

const RULES_DIR = join(PROJECT_ROOT, 'deploy', 'prometheus');
const TESTS_DIR = join(RULES_DIR, 'tests');

interface AlertRule {
  alert: string;
  expr: string;
}
interface RuleTestFile {
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

function alertRules(): AlertRule[] {
  const file = parse(readFileSync(join(RULES_DIR, 'alerts.yaml'), 'utf8')) as {
    groups: { rules: AlertRule[] }[];
  };
  return file.groups.flatMap((g) => g.rules).filter((r) => r.alert);
}

function testFiles(dir = TESTS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));
}

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const { promtool: binary } = ensurePrometheusBinaries();
  const result = spawnSync(binary, args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Prometheus alert rules (promtool)', () => {
  before(() => ensurePrometheusBinaries((line) => console.error(line)));

  it('promtool check rules passes', () => {
    const { status, output } = promtool(['check', 'rules', 'alerts.yaml'], RULES_DIR);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${alertRules().length} rules found`));
  });

  it('promtool test rules passes every test file', () => {
    const files = testFiles();
    const { status, output } = promtool(['test', 'rules', ...files], RULES_DIR);
    assert.equal(status, 0, output);
    assert.equal(output.match(/SUCCESS/g)?.length, files.length, output);
  });

  it('each alert has a test that fires and one that stays quiet', () => {
    const byAlert = new Map<string, { fires: number; quiet: number }>();
    for (const file of testFiles()) {
      const tests = (parse(readFileSync(file, 'utf8')) as RuleTestFile).tests;
      for (const check of tests.flatMap((t) => t.alert_rule_test ?? [])) {
        const seen = byAlert.get(check.alertname) ?? { fires: 0, quiet: 0 };
        if (check.exp_alerts.length > 0) seen.fires++;
        else seen.quiet++;
        byAlert.set(check.alertname, seen);
      }
    }
    for (const { alert } of alertRules()) {
      const seen = byAlert.get(alert);
      assert.ok(seen && seen.fires > 0, `${alert}: no test in deploy/prometheus/tests makes it fire`);
      assert.ok(seen.quiet > 0, `${alert}: no test in deploy/prometheus/tests shows it quiet`);
    }
  });

  it('each alert has a runbook paragraph in docs/alerts.md', () => {
    const runbooks = readFileSync(join(PROJECT_ROOT, 'docs', 'alerts.md'), 'utf8');
    for (const { alert } of alertRules())
      assert.match(runbooks, new RegExp(`^## ${alert}$`, 'm'), `docs/alerts.md has no "## ${alert}" section`);
  });

  it('the rules name only metrics geomesh exports', () => {
    const catalogue = readFileSync(
      join(PROJECT_ROOT, 'node', 'observability', 'metrics-catalogue.ts'),
      'utf8',
    );
    for (const { alert, expr } of alertRules()) {
      for (const metric of new Set(expr.match(/\bgeomesh_[a-z_]+/g) ?? []))
        assert.ok(
          catalogue.includes(`name: '${metric}'`),
          `${alert} uses ${metric}, which geomesh does not export`,
        );
    }
  });

  it('a broken rule fails its unit tests', () => {
    const dir = mkdtempSync(join(tmpdir(), 'geomesh-rules-'));
    try {
      cpSync(RULES_DIR, dir, { recursive: true });
      const rules = readFileSync(join(dir, 'alerts.yaml'), 'utf8');
      // The lag bound moved from 300 s to 3000 s: the test that expects it to fire at 400 s must fail.
      assert.ok(rules.includes('geomesh_replication_lag_seconds) > 300'));
      writeFileSync(
        join(dir, 'alerts.yaml'),
        rules.replace('geomesh_replication_lag_seconds) > 300', 'geomesh_replication_lag_seconds) > 3000'),
      );
      const { status, output } = promtool(['test', 'rules', ...testFiles(join(dir, 'tests'))], dir);
      assert.notEqual(status, 0, output);
      assert.match(output, /FAILED:[\s\S]*alertname: GeomeshReplicationLagHigh/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
