#!/usr/bin/env node
// Offline validation of k8s/ (ctest label k8s). For each overlay: render it with
// `kubectl kustomize`, parse every object, validate built-in kinds with kubernetes-models and
// operators' kinds against their CRD's OpenAPI v3 schema (k8s/crds/, vendored), then apply the
// project's policies. First it proves the policies bite: every fixture in fixtures/ must be
// rejected with the message its first line expects. Any failure exits 1, naming the object.
//
// Usage: node validate.js [--kubectl PATH]   (KUBECTL in the environment works too)
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const K8S_DIR = path.resolve(__dirname, "..");
const OVERLAYS = ["dev", "production"];
const FIXTURES_DIR = path.join(__dirname, "fixtures");
const CRDS_DIR = path.join(K8S_DIR, "crds");

function die(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

let YAML, Ajv, addFormats;
try {
  YAML = require("yaml");
  Ajv = require("ajv");
  addFormats = require("ajv-formats");
  require("kubernetes-models/v1/Pod");
} catch (e) {
  die(`the test's npm packages are missing (${e.message}); build the CMake target ` +
      "skk-k8s-npm (npm ci of k8s/tests/package-lock.json) or run npm ci in k8s/tests");
}

// ---------------------------------------------------------------------------------------
// Rendering

function findKubectl() {
  const args = process.argv.slice(2);
  const i = args.indexOf("--kubectl");
  const candidates = [i >= 0 ? args[i + 1] : null, process.env.KUBECTL, "/usr/bin/kubectl",
    ...(process.env.PATH || "").split(":").map((d) => path.join(d, "kubectl"))];
  for (const c of candidates) {
    if (c && fs.existsSync(c)) return c;
  }
  die("kubectl not found (looked at --kubectl, $KUBECTL, /usr/bin/kubectl and PATH): the " +
      "manifests cannot be rendered, so they are not validated. Install kubectl (v1.27 or " +
      "newer, with kustomize v5) and run again.");
}

function render(kubectl, overlay) {
  // The city configuration lives in deploy/config, outside the kustomization root.
  try {
    return execFileSync(kubectl, ["kustomize", "--load-restrictor", "LoadRestrictionsNone",
      path.join(K8S_DIR, "overlays", overlay)], { encoding: "utf8", maxBuffer: 64 << 20,
      stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    die(`kubectl kustomize overlays/${overlay} failed:\n${e.stderr || e.message}`);
  }
}

function parseObjects(text, origin) {
  const objects = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${origin}: ${doc.errors[0].message}`);
    const o = doc.toJS();
    if (o === null || o === undefined) continue;
    objects.push(o);
  }
  return objects;
}

const nameOf = (o) => `${o.kind || "?"} ${o.metadata?.namespace ? o.metadata.namespace + "/" : ""}` +
  `${o.metadata?.name || "?"}`;

// ---------------------------------------------------------------------------------------
// Schemas: built-in kinds through kubernetes-models, custom kinds through their CRDs.

function builtinModel(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const dir = group ? `${group}/${version}` : version;
  try {
    return require(`kubernetes-models/${dir}/${kind}`)[kind];
  } catch {
    return null;
  }
}

function loadCrdValidators() {
  const regExp = (p, f) => (p.includes("(?i)") ? new RegExp(p.replace("(?i)", ""), f + "i")
    : new RegExp(p, f));
  const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp } });
  addFormats(ajv);
  for (const f of ["int32", "int64", "float", "double"]) ajv.addFormat(f, true);
  const byKind = new Map(); // "group/version Kind" -> compiled validator
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name))
      : e.name.endsWith(".yaml") ? [path.join(dir, e.name)] : []);
  for (const file of walk(CRDS_DIR)) {
    const crd = YAML.parse(fs.readFileSync(file, "utf8"));
    if (crd?.kind !== "CustomResourceDefinition") continue;
    for (const v of crd.spec.versions) {
      const key = `${crd.spec.group}/${v.name} ${crd.spec.names.kind}`;
      byKind.set(key, { file: path.relative(K8S_DIR, file), schema: v.schema.openAPIV3Schema,
        validate: null });
    }
  }
  return { ajv, byKind };
}

function validateSchemas(objects, crds) {
  const errors = [];
  let builtin = 0, custom = 0;
  for (const o of objects) {
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
      errors.push(`${nameOf(o)}: no apiVersion or kind`);
      continue;
    }
    const crd = crds.byKind.get(`${o.apiVersion} ${o.kind}`);
    if (crd) {
      crd.validate ||= crds.ajv.compile(crd.schema);
      if (crd.validate(o)) custom++;
      else {
        errors.push(`${nameOf(o)} (${o.apiVersion}) does not match ${crd.file}: ` +
          crd.validate.errors.slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message}`)
            .join("; "));
      }
      continue;
    }
    const Model = builtinModel(o.apiVersion, o.kind);
    if (!Model) {
      errors.push(`${nameOf(o)}: ${o.apiVersion} ${o.kind} is neither a built-in kind of ` +
        "kubernetes-models nor in a vendored CRD (k8s/crds/)");
      continue;
    }
    // kustomize wraps a generated Secret's base64 over several lines; the API server's decoder
    // skips newlines, kubernetes-models' "byte" format does not.
    const checked = o.kind === "Secret" && o.data ? { ...o, data: Object.fromEntries(
      Object.entries(o.data).map(([k, v]) => [k, String(v).replace(/\n/g, "")])) } : o;
    try {
      new Model(checked).validate();
      builtin++;
    } catch (e) {
      errors.push(`${nameOf(o)} (${o.apiVersion}): ${e.message}`);
    }
  }
  return { errors, builtin, custom };
}

// ---------------------------------------------------------------------------------------
// Policies

function matches(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels || {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const isEmptySelector = (s) => !s || (Object.keys(s.matchLabels || {}).length === 0 &&
  (s.matchExpressions || []).length === 0);

// A tag that names a release: present, not "latest"; or a digest.
function imageProblem(image) {
  if (image.includes("@sha256:")) return null;
  const last = image.split("/").pop();
  if (!last.includes(":")) return "has no tag";
  const tag = last.split(":").pop();
  if (tag === "" || tag.toLowerCase() === "latest") return `has the tag "${tag}"`;
  return null;
}

const SECRET_KEY = /(password|passwd|secret|token|private[-_.]?key|api[-_]?key|credential)/i;
const SECRET_VALUES = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key (PEM)"],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:[^\s/@"']+@/i, "a URI with credentials"],
  [/\b(password|passwd|secret|token|api[-_]?key)\s*[:=]\s*["']?[^\s"',}]{4,}/i,
    "a password, secret or token"],
];

function shutdownGraceSeconds(args) {
  const a = (args || []).find((x) => x.startsWith("--shutdown_grace="));
  if (!a) return 10;
  const m = /^(\d+)(s|m)?$/.exec(a.split("=")[1]);
  return m ? Number(m[1]) * (m[2] === "m" ? 60 : 1) : 10;
}

function checkContainer(o, pod, c, errors) {
  const where = `${nameOf(o)} container ${c.name}`;
  if (!c.readinessProbe) errors.push(`${where}: no readinessProbe`);
  if (!c.livenessProbe) errors.push(`${where}: no livenessProbe`);
  if (!c.lifecycle?.preStop) errors.push(`${where}: no preStop (drain delay before SIGTERM)`);
  const r = c.resources || {};
  if (!r.requests?.cpu || !r.requests?.memory) errors.push(`${where}: no cpu and memory requests`);
  if (!r.limits?.memory) errors.push(`${where}: no memory limit`);
  const sc = c.securityContext || {};
  const psc = pod.securityContext || {};
  const runAsNonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  if (runAsNonRoot !== true) errors.push(`${where}: may run as root (runAsNonRoot is not true)`);
  if (!Number.isInteger(runAsUser) || runAsUser === 0) {
    errors.push(`${where}: no numeric non-root runAsUser`);
  }
  if (sc.readOnlyRootFilesystem !== true) errors.push(`${where}: writable root filesystem`);
  if (sc.allowPrivilegeEscalation !== false) {
    errors.push(`${where}: allowPrivilegeEscalation is not false`);
  }
  if (sc.privileged) errors.push(`${where}: privileged`);
  if (!(sc.capabilities?.drop || []).includes("ALL")) errors.push(`${where}: capabilities not dropped (drop: [ALL])`);
  if ((sc.capabilities?.add || []).length) errors.push(`${where}: adds capabilities`);
  const seccomp = (sc.seccompProfile || psc.seccompProfile || {}).type;
  if (seccomp !== "RuntimeDefault") errors.push(`${where}: seccompProfile is not RuntimeDefault`);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (grace <= shutdownGraceSeconds(c.args)) {
    errors.push(`${where}: terminationGracePeriodSeconds ${grace} is not above --shutdown_grace`);
  }
  const metrics = (c.ports || []).find((p) => p.name === "metrics");
  if (!metrics || metrics.containerPort !== 9464) {
    errors.push(`${where}: no container port 9464 named metrics`);
  }
  if (!(c.args || []).includes("--metrics_listen=0.0.0.0:9464")) {
    errors.push(`${where}: no --metrics_listen=0.0.0.0:9464`);
  }
}

function walkImages(value, visit, at = "") {
  if (Array.isArray(value)) value.forEach((v, i) => walkImages(v, visit, `${at}[${i}]`));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if ((k === "image" || k === "imageName") && typeof v === "string") visit(v, `${at}.${k}`);
      else walkImages(v, visit, `${at}.${k}`);
    }
  }
}

function checkPolicies(objects, { production }) {
  const errors = [];
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const deployments = of("Deployment");

  for (const o of objects) {
    walkImages(o, (image, at) => {
      const problem = imageProblem(image);
      if (problem) errors.push(`${nameOf(o)}: image ${image} at ${at.slice(1)} ${problem}`);
    });
  }

  for (const cm of of("ConfigMap")) {
    for (const [key, value] of Object.entries({ ...cm.data, ...cm.binaryData })) {
      if (SECRET_KEY.test(key)) errors.push(`${nameOf(cm)}: key ${key} looks like a secret`);
      for (const [re, what] of SECRET_VALUES) {
        if (re.test(String(value))) errors.push(`${nameOf(cm)}: key ${key} holds ${what}`);
      }
    }
  }

  const policies = of("NetworkPolicy");
  const namespaces = new Set(deployments.map((d) => d.metadata.namespace || ""));
  for (const ns of namespaces) {
    const denyAll = policies.some((p) => (p.metadata.namespace || "") === ns &&
      isEmptySelector(p.spec.podSelector) && (p.spec.policyTypes || []).includes("Ingress") &&
      (p.spec.policyTypes || []).includes("Egress") && !(p.spec.ingress || []).length &&
      !(p.spec.egress || []).length);
    if (!denyAll) errors.push(`namespace ${ns || "(none)"}: no default-deny NetworkPolicy`);
  }

  for (const d of deployments) {
    const pod = d.spec.template.spec;
    const labels = d.spec.template.metadata?.labels || {};
    const ns = d.metadata.namespace || "";
    for (const c of pod.containers || []) checkContainer(d, pod, c, errors);
    for (const c of pod.initContainers || []) checkContainer(d, pod, c, errors);

    const covered = policies.some((p) => (p.metadata.namespace || "") === ns &&
      !isEmptySelector(p.spec.podSelector) && matches(p.spec.podSelector, labels) &&
      (p.spec.policyTypes || []).includes("Ingress"));
    if (!covered) errors.push(`${nameOf(d)}: no NetworkPolicy selects its pods`);

    const services = of("Service").filter((s) => (s.metadata.namespace || "") === ns &&
      s.spec.selector && matches({ matchLabels: s.spec.selector }, labels) &&
      (s.spec.ports || []).some((p) => p.name === "metrics"));
    const monitored = of("ServiceMonitor").some((m) => services.some((s) =>
      matches(m.spec.selector, s.metadata.labels || {}) &&
      (m.spec.endpoints || []).some((e) => e.port === "metrics")));
    if (!monitored) errors.push(`${nameOf(d)}: no ServiceMonitor scrapes its metrics port`);

    if (!production) continue;
    const args = (pod.containers || []).flatMap((c) => c.args || []);
    for (const flag of ["--dev", "--servers_plaintext"]) {
      if (args.some((a) => a === flag || a.startsWith(`${flag}=`))) {
        errors.push(`${nameOf(d)}: ${flag} in production`);
      }
    }
    // The city configuration a production service reads must be a deployment's own: one that
    // names the city's file as its base and replaces its development staff-token key.
    const config = args.find((a) => a.startsWith("--city_config="));
    if (config) {
      const file = config.slice("--city_config=".length).split("/").pop();
      const holder = of("ConfigMap").find((c) => c.data && Object.hasOwn(c.data, file));
      const text = holder ? holder.data[file] : "";
      if (!holder) {
        errors.push(`${nameOf(d)}: --city_config names ${file}, which no ConfigMap holds`);
      } else if (/dev-jwt/.test(text) || !/^\s*base_file:/m.test(text) ||
                 !/public_keys/.test(text)) {
        errors.push(`${nameOf(d)}: production reads the development city configuration ` +
          `(${file} must name its base_file and replace auth.public_keys)`);
      }
    }
    const name = d.metadata.name;
    const hpaMin = of("HorizontalPodAutoscaler").filter((h) => h.spec.scaleTargetRef?.kind ===
      "Deployment" && h.spec.scaleTargetRef.name === name).map((h) => h.spec.minReplicas ?? 1);
    const kedaMin = of("ScaledObject").filter((s) => s.spec.scaleTargetRef?.name === name &&
      (s.spec.scaleTargetRef.kind || "Deployment") === "Deployment")
      .map((s) => s.spec.minReplicaCount ?? 0);
    const scalers = [...hpaMin, ...kedaMin];
    if (scalers.length > 1) errors.push(`${nameOf(d)}: scaled by more than one autoscaler`);
    const replicas = d.spec.replicas ?? 1;
    if (scalers.length ? Math.min(...scalers) < 2 : replicas < 2) {
      errors.push(`${nameOf(d)}: fewer than 2 replicas in production`);
    }
    const pdb = of("PodDisruptionBudget").some((p) => (p.metadata.namespace || "") === ns &&
      matches(p.spec.selector, labels));
    if (!pdb) errors.push(`${nameOf(d)}: no PodDisruptionBudget`);
    if (!(pod.topologySpreadConstraints || []).length) {
      errors.push(`${nameOf(d)}: no topologySpreadConstraints`);
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------
// Self-check: each fixture must be rejected, with the message its first line names:
//   # expect: <text the error must contain>
// A fixture whose name starts with production- is checked as the production overlay.

function selfCheck(crds) {
  const files = fs.readdirSync(FIXTURES_DIR).filter((f) => f.endsWith(".yaml")).sort();
  if (files.length === 0) die("no fixtures in k8s/tests/fixtures");
  let failed = 0;
  for (const f of files) {
    const text = fs.readFileSync(path.join(FIXTURES_DIR, f), "utf8");
    const m = /^# expect: (.+)$/m.exec(text);
    if (!m) die(`fixture ${f} has no "# expect:" line`);
    const objects = parseObjects(text, f);
    const errors = [...validateSchemas(objects, crds).errors,
      ...checkPolicies(objects, { production: f.startsWith("production-") })];
    const hit = errors.find((e) => e.includes(m[1].trim()));
    if (hit) console.log(`  rejected ${f}: ${hit}`);
    else {
      failed++;
      console.error(`  NOT REJECTED ${f}: expected "${m[1].trim()}", got ` +
        (errors.length ? errors.join(" | ") : "no error"));
    }
  }
  return { count: files.length, failed };
}

function main() {
  const started = Date.now();
  const kubectl = findKubectl();
  const crds = loadCrdValidators();
  console.log(`self-check: the policies must reject every fixture (k8s/tests/fixtures)`);
  const self = selfCheck(crds);
  let failed = self.failed > 0;
  console.log(`self-check: ${self.count - self.failed} of ${self.count} fixtures rejected`);

  for (const overlay of OVERLAYS) {
    const objects = parseObjects(render(kubectl, overlay), `overlays/${overlay}`);
    const schema = validateSchemas(objects, crds);
    const policy = checkPolicies(objects, { production: overlay === "production" });
    const deployments = objects.filter((o) => o.kind === "Deployment").length;
    console.log(`overlays/${overlay}: ${objects.length} objects, ${schema.builtin} built-in ` +
      `validated, ${schema.custom} custom validated against CRDs, ${deployments} Deployments ` +
      `checked against the policies`);
    for (const e of [...schema.errors, ...policy]) {
      failed = true;
      console.error(`  FAIL overlays/${overlay}: ${e}`);
    }
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failed ? 1 : 0);
}

main();
