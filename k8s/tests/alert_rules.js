#!/usr/bin/env node
// The alerts and the dashboard, checked with Prometheus's own promtool (ctest alert_rules,
// label metrics): the PrometheusRule's groups pass `promtool check rules` and the unit tests of
// alert_rules_test.yaml (`promtool test rules`: each alert fires when it should and not
// before); every query of the Grafana dashboard parses as PromQL (each is checked as a
// recording rule, promtool having no command for a bare expression).
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");

const K8S_DIR = path.resolve(__dirname, "..");
const ALERTS = path.join(K8S_DIR, "base", "monitoring", "alerts.yaml");
const DASHBOARD = path.join(K8S_DIR, "base", "monitoring", "grafana-dashboard.json");
const TESTS = path.join(__dirname, "alert_rules_test.yaml");

function die(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

let YAML;
try {
  YAML = require("yaml");
} catch (e) {
  die(`the npm package yaml is missing (${e.message}); build the CMake target skk-k8s-npm`);
}

function promtool(args, cwd) {
  try {
    return execFileSync("promtool", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if (e.code === "ENOENT") die("promtool not found: install Debian's prometheus (deploy/install-deps.sh)");
    die(`promtool ${args.join(" ")}:\n${e.stdout || ""}${e.stderr || e.message}`);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "skk-alerts-"));
try {
  const rule = YAML.parse(fs.readFileSync(ALERTS, "utf8"));
  if (rule.kind !== "PrometheusRule") die(`${ALERTS} is not a PrometheusRule`);
  fs.writeFileSync(path.join(work, "alerts.yml"), YAML.stringify({ groups: rule.spec.groups }));
  const alerts = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert));
  process.stdout.write(promtool(["check", "rules", "alerts.yml"], work));

  // Every alert has a test, and every test names an alert that exists.
  const tests = YAML.parse(fs.readFileSync(TESTS, "utf8"));
  const tested = new Set(tests.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
  for (const a of alerts) if (!tested.has(a)) die(`alert ${a} has no test in ${TESTS}`);
  for (const a of tested) if (!alerts.includes(a)) die(`${TESTS} tests ${a}, which is not an alert`);
  tests.rule_files = ["alerts.yml"];
  fs.writeFileSync(path.join(work, "tests.yml"), YAML.stringify(tests));
  process.stdout.write(promtool(["test", "rules", "tests.yml"], work));

  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, "utf8"));
  const queries = dashboard.panels.flatMap((p) => (p.targets || []).map((t) => ({ panel: p.title, expr: t.expr })));
  if (queries.length === 0) die("the dashboard has no queries");
  fs.writeFileSync(path.join(work, "dashboard.yml"), YAML.stringify({
    groups: [{ name: "dashboard", rules: queries.map((q, i) => ({ record: `skk:dashboard_query_${i}`, expr: q.expr })) }],
  }));
  process.stdout.write(promtool(["check", "rules", "dashboard.yml"], work));
  console.log(`${alerts.length} alerts checked and tested; ${queries.length} dashboard queries parse`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
