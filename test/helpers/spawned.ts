/**
 * Checks on a generated project that hold whatever its language: every YAML parses, the
 * workflow fits the GitHub workflow schema, the Kubernetes manifests have what the API
 * server requires and what production needs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';

export function listFiles(dir: string, skip = new Set(['node_modules', 'dist', '.git'])): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (skip.has(e.name) || e.name === '__pycache__' || e.name === '.pytest_cache') continue;
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(relative(dir, full).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every YAML document in the project, parsed; a syntax error fails the test. */
export function parseYamlFiles(dir: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of listFiles(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
    const list = Array.isArray(docs) ? docs : [docs];
    for (const doc of list) expect(doc.errors, `${file}: ${doc.errors.join('; ')}`).toEqual([]);
    out.set(file, list[0]?.toJS());
  }
  return out;
}

let workflowValidator: ReturnType<Ajv['compile']> | undefined;

/** The schemastore github-workflow schema (vendored: test/fixtures/schemas/README.md). */
export function validateWorkflow(workflow: unknown): void {
  if (!workflowValidator) {
    const schema = JSON.parse(
      readFileSync(new URL('../fixtures/schemas/github-workflow.json', import.meta.url), 'utf8'),
    ) as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    workflowValidator = ajv.compile(schema);
  }
  const ok = workflowValidator(workflow);
  expect(ok, JSON.stringify(workflowValidator.errors?.slice(0, 3))).toBe(true);
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function checkKubernetes(docs: Map<string, unknown>, name: string, port: number): void {
  const deployment = docs.get('k8s/deployment.yaml') as Obj;
  expect(deployment.apiVersion).toBe('apps/v1');
  expect(deployment.kind).toBe('Deployment');
  expect(deployment.metadata.name).toBe(name);
  const labels = deployment.spec.template.metadata.labels;
  expect(deployment.spec.selector.matchLabels).toEqual(labels);
  const pod = deployment.spec.template.spec;
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
  expect(pod.containers).toHaveLength(1);
  const c = pod.containers[0];
  expect(typeof c.name).toBe('string');
  expect(typeof c.image).toBe('string');
  expect(c.ports[0].containerPort).toBe(port);
  expect(c.livenessProbe.httpGet.path).toBe('/health');
  expect(c.readinessProbe.httpGet.path).toBe('/ready');
  for (const k of ['requests', 'limits']) {
    expect(c.resources[k].cpu).toMatch(/^\d+m?$/);
    expect(c.resources[k].memory).toMatch(/^\d+(Mi|Gi)$/);
  }
  expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
  expect(c.securityContext.runAsNonRoot).toBe(true);

  const service = docs.get('k8s/service.yaml') as Obj;
  expect(service.apiVersion).toBe('v1');
  expect(service.kind).toBe('Service');
  expect(service.metadata.name).toBe(name);
  expect(service.spec.selector).toEqual(labels);
  expect(service.spec.ports[0].targetPort).toBe(c.ports[0].name);

  const hpa = docs.get('k8s/hpa.yaml') as Obj;
  expect(hpa.apiVersion).toBe('autoscaling/v2');
  expect(hpa.kind).toBe('HorizontalPodAutoscaler');
  expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
  expect(hpa.spec.minReplicas).toBe(2);
  expect(hpa.spec.maxReplicas).toBe(10);
}

export function checkMonitoring(
  dir: string,
  docs: Map<string, unknown>,
  name: string,
  port: number,
) {
  const compose = docs.get('docker-compose.yml') as Obj;
  expect(Object.keys(compose.services)).toEqual(
    expect.arrayContaining(['app', 'prometheus', 'grafana']),
  );
  const prometheus = docs.get('monitoring/prometheus.yml') as Obj;
  const job = prometheus.scrape_configs[0];
  expect(job.metrics_path).toBe('/metrics');
  expect(job.static_configs[0].targets).toEqual([`app:${port}`]);
  const datasources = docs.get('monitoring/grafana/provisioning/datasources/prometheus.yml') as Obj;
  expect(datasources.datasources[0].url).toBe('http://prometheus:9090');
  const providers = docs.get('monitoring/grafana/provisioning/dashboards/dashboards.yml') as Obj;
  expect(providers.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  const dashboard = JSON.parse(
    readFileSync(join(dir, `monitoring/grafana/dashboards/${name}.json`), 'utf8'),
  ) as Obj;
  expect(dashboard.panels.length).toBeGreaterThanOrEqual(3);
  expect(JSON.stringify(dashboard.panels)).toContain('http_requests_total');
  // The compose mounts are where the provisioning files live.
  expect(JSON.stringify(compose.services.grafana.volumes)).toContain(
    './monitoring/grafana/dashboards:/var/lib/grafana/dashboards',
  );
}

export function checkDockerfile(text: string): void {
  const stages = text.split('\n').filter((l) => l.startsWith('FROM '));
  expect(stages.length).toBeGreaterThanOrEqual(2);
  expect(stages[0]).toMatch(/ AS build$/);
  const user = text.split('\n').filter((l) => l.startsWith('USER '));
  expect(user).toHaveLength(1);
  expect(user[0]).not.toMatch(/USER (0|root)\b/);
  expect(text.lastIndexOf('USER ')).toBeGreaterThan(text.lastIndexOf('FROM '));
}
