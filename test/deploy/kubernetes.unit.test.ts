import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parsePlaybook } from "../../src/core/config/playbook.ts";

/**
 * deploy/kubernetes/: every object in every YAML file is checked against its
 * API schema (kubernetes-models; @kubernetes-models/prometheus-operator for
 * the ServiceMonitor), then against each other and the image: selectors that
 * find the pods, probes on the right paths and port, a grace period that
 * covers the drain, Secret keys that exist, a playbook that loads.
 */

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifestDir = join(root, "deploy/kubernetes");

/** The objects kubectl would send; the schema each is validated against. */
const models = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
} as const;

// The shutdown budget (src/main.ts, `stop`): after SIGTERM at most 20 s for
// the running timer tick, then at most 20 s for in-flight work, then at most
// 5 s closing the HTTP listener and 5 s closing the database pool.
const drainSeconds = 20;
const worstCaseShutdownSeconds = drainSeconds + drainSeconds + 5 + 5;
/** Files `kubectl apply -k` must not apply: placeholders would overwrite real secrets. */
const notInKustomization = new Set(["kustomization.yaml", "secret.example.yaml"]);

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown };
interface Manifest {
  file: string;
  object: K8sObject;
}

function readManifests(): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(manifestDir).filter((name) => /\.ya?ml$/.test(name)).sort()) {
    for (const document of parseAllDocuments(readFileSync(join(manifestDir, file), "utf8"))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      const object = document.toJS() as K8sObject | null;
      if (object !== null) manifests.push({ file, object });
    }
  }
  return manifests;
}

/** Schema problems, one per object that fails (or has a kind nothing here knows). */
function schemaProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  for (const { file, object } of manifests) {
    if (object.kind === "Kustomization") continue;
    const model = models[`${object.apiVersion}/${object.kind}` as keyof typeof models];
    if (!model) {
      problems.push(`${file}: ${object.apiVersion} ${object.kind} is not a kind this test knows how to validate`);
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each model takes its own typed shape
      new model(object as any).validate();
    } catch (error) {
      problems.push(`${file}: ${object.kind} ${object.metadata?.name}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function only<T extends K8sObject>(manifests: Manifest[], kind: string): T[] {
  return manifests.filter((m) => m.object.kind === kind).map((m) => m.object as T);
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

function preStopSeconds(container: Deployment["spec"] extends infer S ? S extends { template: { spec?: { containers: (infer C)[] } } } ? C : never : never): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return Number(preStop.sleep.seconds);
  const command = preStop?.exec?.command ?? [];
  if (command[0] === "sleep" && command.length === 2) return Number(command[1]);
  return 0;
}

/** Cross-reference problems across the objects (and with the Dockerfile). */
function referenceProblems(manifests: Manifest[], dockerfile: string): string[] {
  const problems: string[] = [];
  const deployments = only<Deployment & K8sObject>(manifests, "Deployment");
  const services = only<Service & K8sObject>(manifests, "Service");
  const secrets = only<Secret & K8sObject>(manifests, "Secret");
  const configMaps = only<ConfigMap & K8sObject>(manifests, "ConfigMap");
  if (deployments.length !== 1) return [`expected one Deployment, found ${deployments.length}`];
  const deployment = deployments[0]!;
  const spec = deployment.spec!;
  const pod = spec.template;
  const podLabels = pod.metadata?.labels;
  const container = pod.spec!.containers[0]!;
  const ports = container.ports ?? [];
  const portOf = (ref: string | number | undefined) =>
    ports.find((p) => p.name === ref || p.containerPort === ref)?.containerPort;

  if ((spec.replicas ?? 1) < 2) problems.push("Deployment: run at least 2 replicas");
  if (!selects(spec.selector.matchLabels, podLabels)) problems.push("Deployment: selector does not match the pod labels");

  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
  const appPort = Number(env.PORT?.value ?? 3000);
  if (portOf(appPort) === undefined) problems.push(`Deployment: PORT ${appPort} is not a container port`);
  const exposed = /^EXPOSE\s+(\d+)/m.exec(dockerfile)?.[1];
  if (Number(exposed) !== appPort) problems.push(`Deployment: PORT ${appPort} differs from the Dockerfile's EXPOSE ${exposed}`);

  for (const [probeName, path] of [
    ["readinessProbe", "/readyz"],
    ["livenessProbe", "/healthz"],
  ] as const) {
    const probe = container[probeName]?.httpGet;
    if (!probe) problems.push(`Deployment: ${probeName} must be an httpGet probe`);
    else {
      if (probe.path !== path) problems.push(`Deployment: ${probeName} must GET ${path}, not ${probe.path}`);
      if (portOf(probe.port) !== appPort) problems.push(`Deployment: ${probeName} port ${probe.port} is not the app's port ${appPort}`);
    }
  }

  const preStop = preStopSeconds(container);
  if (preStop < 1) problems.push("Deployment: a preStop sleep lets endpoint removal propagate before SIGTERM");
  const grace = pod.spec!.terminationGracePeriodSeconds ?? 30;
  if (grace < preStop + worstCaseShutdownSeconds) {
    problems.push(
      `Deployment: terminationGracePeriodSeconds ${grace} < preStop ${preStop} s + shutdown ${worstCaseShutdownSeconds} s (drain ${drainSeconds} s ×2, closes 5 s ×2)`,
    );
  }

  const security = { ...pod.spec!.securityContext, ...container.securityContext };
  if (security.runAsNonRoot !== true) problems.push("Deployment: runAsNonRoot must be true");
  if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push("Deployment: readOnlyRootFilesystem must be true");
  const imageUser = /^USER\s+(\d+)/m.exec(dockerfile)?.[1];
  if (security.runAsUser !== Number(imageUser)) problems.push(`Deployment: runAsUser ${security.runAsUser} is not the image's USER ${imageUser}`);
  if (!env.DATABASE_URL) problems.push("Deployment: replicas need DATABASE_URL (PostgreSQL); the embedded database is single-process");

  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = secrets.find((s) => s.metadata.name === ref.name);
    const keys = Object.keys({ ...secret?.data, ...secret?.stringData });
    if (!secret) problems.push(`Deployment: env ${variable.name} refers to Secret ${ref.name}, which has no template here`);
    else if (!keys.includes(ref.key)) problems.push(`Deployment: env ${variable.name} refers to key ${ref.key}, missing from Secret ${ref.name}`);
  }

  for (const volume of pod.spec!.volumes ?? []) {
    if (!volume.configMap) continue;
    const configMap = configMaps.find((c) => c.metadata.name === volume.configMap!.name);
    if (!configMap) {
      problems.push(`Deployment: volume ${volume.name} refers to ConfigMap ${volume.configMap.name}, which is not here`);
      continue;
    }
    for (const mount of container.volumeMounts ?? []) {
      if (mount.name === volume.name && mount.subPath && !(mount.subPath in (configMap.data ?? {}))) {
        problems.push(`Deployment: mount ${mount.mountPath} takes key ${mount.subPath}, missing from ConfigMap ${configMap.metadata.name}`);
      }
    }
  }
  const playbookMount = container.volumeMounts?.find((m) => m.mountPath === env.PLAYBOOK_FILE?.value);
  if (env.PLAYBOOK_FILE && !playbookMount) problems.push(`Deployment: nothing is mounted at PLAYBOOK_FILE ${env.PLAYBOOK_FILE.value}`);

  for (const service of services) {
    if (!selects(service.spec?.selector, podLabels)) problems.push(`Service ${service.metadata.name}: selector does not match the pod labels`);
    for (const port of service.spec?.ports ?? []) {
      if (portOf(port.targetPort ?? port.port) === undefined) {
        problems.push(`Service ${service.metadata.name}: targetPort ${port.targetPort} is not a container port`);
      }
    }
  }
  for (const pdb of only<PodDisruptionBudget & K8sObject>(manifests, "PodDisruptionBudget")) {
    if (!selects(pdb.spec?.selector?.matchLabels, podLabels)) problems.push(`PodDisruptionBudget ${pdb.metadata.name}: selector does not match the pod labels`);
    if (typeof pdb.spec?.minAvailable === "number" && pdb.spec.minAvailable >= (spec.replicas ?? 1)) {
      problems.push(`PodDisruptionBudget ${pdb.metadata.name}: minAvailable ${pdb.spec.minAvailable} would block every drain`);
    }
  }
  for (const monitor of only<ServiceMonitor & K8sObject>(manifests, "ServiceMonitor")) {
    const service = services.find((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels));
    if (!service) problems.push(`ServiceMonitor ${monitor.metadata.name}: selects no Service here (it matches Service labels)`);
    for (const endpoint of monitor.spec.endpoints ?? []) {
      if (endpoint.path !== "/metrics") problems.push(`ServiceMonitor ${monitor.metadata.name}: scrape /metrics, not ${endpoint.path}`);
      if (service && !service.spec?.ports?.some((p) => p.name === endpoint.port)) {
        problems.push(`ServiceMonitor ${monitor.metadata.name}: port ${endpoint.port} is not a named port of Service ${service.metadata.name}`);
      }
    }
  }
  for (const configMap of configMaps) {
    for (const [key, text] of Object.entries(configMap.data ?? {})) {
      if (!/\.ya?ml$/.test(key)) continue;
      try {
        parsePlaybook(text, `ConfigMap ${configMap.metadata.name} ${key}`);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  return problems;
}

function kustomizationProblems(manifests: Manifest[]): string[] {
  const kustomization = manifests.find((m) => m.object.kind === "Kustomization");
  if (!kustomization) return ["kustomization.yaml is missing"];
  const listed = [...((kustomization.object.resources as string[] | undefined) ?? [])].sort();
  const expected = [...new Set(manifests.map((m) => m.file))].filter((file) => !notInKustomization.has(file)).sort();
  return JSON.stringify(listed) === JSON.stringify(expected)
    ? []
    : [`kustomization.yaml resources ${JSON.stringify(listed)} should be ${JSON.stringify(expected)}`];
}

const manifests = readManifests();
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");

/** A deep copy of the manifests with `edit` applied to the first object of `kind`. */
function mutated(kind: string, edit: Edit): Manifest[] {
  const copy = structuredClone(manifests);
  edit(copy.find((m) => m.object.kind === kind)!.object);
  return copy;
}
type Edit = (object: Untyped) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the breaking edits reach into YAML as parsed
type Untyped = any;

describe("deploy/kubernetes", () => {
  it("holds the objects a deployment needs", () => {
    expect(manifests.map((m) => m.object.kind).sort()).toEqual(
      ["ConfigMap", "Deployment", "Kustomization", "PodDisruptionBudget", "Secret", "Service", "ServiceMonitor"].sort(),
    );
  });

  it("every object validates against its API schema", () => {
    expect(schemaProblems(manifests)).toEqual([]);
  });

  it("the objects agree with each other and with the image", () => {
    expect(referenceProblems(manifests, dockerfile)).toEqual([]);
  });

  it("kustomization.yaml lists every manifest except the Secret template", () => {
    expect(kustomizationProblems(manifests)).toEqual([]);
  });

  it("the Secret template holds placeholders, never a real-looking token", () => {
    const secret = only<Secret & K8sObject>(manifests, "Secret")[0]!;
    for (const [key, value] of Object.entries(secret.stringData ?? {})) {
      if (/TOKEN|SECRET|DATABASE_URL/.test(key)) expect(value, key).toMatch(/replace-me/);
    }
    expect(secret.data).toBeUndefined();
  });

  // The checks above must be able to fail: each broken copy is caught.
  const schemaBreaks: [string, string, Edit, RegExp][] = [
    ["a replica count that is not a number", "Deployment", (o) => void (o.spec.replicas = "two"), /replicas must be integer/],
    ["a ServiceMonitor port given as a number", "ServiceMonitor", (o) => void (o.spec.endpoints[0].port = 3000), /port must be string/],
    ["an unknown kind", "PodDisruptionBudget", (o) => void (o.kind = "PodDisruptionBudgetz"), /not a kind this test knows/],
  ];
  it.each(schemaBreaks)("schema check catches %s", (_what, kind, edit, problem) => {
    expect(schemaProblems(mutated(kind, edit)).join("\n")).toMatch(problem);
  });

  const container = (o: Untyped): Untyped => o.spec.template.spec.containers[0];
  const referenceBreaks: [string, string, Edit, RegExp][] = [
    ["a Service selector that finds no pod", "Service", (o) => void (o.spec.selector["app.kubernetes.io/name"] = "other"), /Service incident-bot: selector/],
    ["a PDB selector that finds no pod", "PodDisruptionBudget", (o) => void (o.spec.selector.matchLabels["app.kubernetes.io/component"] = "web"), /PodDisruptionBudget incident-bot: selector/],
    ["a readiness probe on /healthz", "Deployment", (o) => void (container(o).readinessProbe.httpGet.path = "/healthz"), /readinessProbe must GET \/readyz/],
    ["a liveness probe on another port", "Deployment", (o) => void (container(o).livenessProbe.httpGet.port = 8080), /livenessProbe port 8080/],
    ["a grace period shorter than the drain", "Deployment", (o) => void (o.spec.template.spec.terminationGracePeriodSeconds = 30), /terminationGracePeriodSeconds 30 < preStop 5 s/],
    ["no preStop pause", "Deployment", (o) => void delete container(o).lifecycle, /preStop sleep/],
    ["a Secret key nobody defined", "Deployment", (o) => void (container(o).env.find((e: { name: string }) => e.name === "DATABASE_URL").valueFrom.secretKeyRef.key = "DB_URL"), /key DB_URL, missing from Secret/],
    ["a single replica", "Deployment", (o) => void (o.spec.replicas = 1), /at least 2 replicas/],
    ["a writable root filesystem", "Deployment", (o) => void (container(o).securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem/],
    ["a user other than the image's", "Deployment", (o) => void (o.spec.template.spec.securityContext.runAsUser = 1000), /runAsUser 1000 is not the image's USER 10001/],
    ["a ServiceMonitor scraping another path", "ServiceMonitor", (o) => void (o.spec.endpoints[0].path = "/stats"), /scrape \/metrics/],
    ["a ServiceMonitor on a port the Service lacks", "ServiceMonitor", (o) => void (o.spec.endpoints[0].port = "web"), /port web is not a named port/],
    ["a playbook the bot would refuse", "ConfigMap", (o) => void (o.data["playbook.yml"] = "severities: nonsense\n"), /playbook/i],
  ];
  it.each(referenceBreaks)("cross-reference check catches %s", (_what, kind, edit, problem) => {
    expect(referenceProblems(mutated(kind, edit), dockerfile).join("\n")).toMatch(problem);
  });

  it("kustomization check catches a manifest left out", () => {
    const copy = structuredClone(manifests);
    const kustomization = copy.find((m) => m.object.kind === "Kustomization")!.object as Untyped;
    kustomization.resources = kustomization.resources.filter((file: string) => file !== "pdb.yaml");
    expect(kustomizationProblems(copy).join("\n")).toMatch(/pdb\.yaml/);
  });
});
