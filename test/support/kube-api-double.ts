/**
 * A Kubernetes API server double: a real HTTP server that @kubernetes/client-node
 * talks to as it would to EKS. It keeps objects with a resourceVersion counter,
 * answers GET and LIST (with field and label selectors), applies JSON merge patches
 * (json-merge-patch) and JSON patches (fast-json-patch), and answers errors with the
 * Status bodies the real server writes: 401, 403, 404, 409, 415, 422. It answers API
 * discovery (GET /api/v1, /apis/<group>/<version>) as the real server does, which
 * client-node's generic KubernetesObjectApi needs to map a kind to its URL. Every object
 * it stores passes the upstream schema (kubernetes-models, @kubernetes-models/keda),
 * so a test cannot pass by writing something a cluster would refuse.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { isDeepStrictEqual } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import jsonPatch, { type Operation } from "fast-json-patch";
import mergePatch from "json-merge-patch";
import { Event } from "kubernetes-models/v1/Event";
import { Pod } from "kubernetes-models/v1/Pod";
import { createCauses, schemaCauses, toCoreEvent, toEventsV1, undecodable } from "./kube-events-v1.ts";
import {
  apiVersionOf,
  RESOURCE_TYPES,
  type ResourceType,
  resourceByKind,
  resourceByPlural,
} from "./kube-resources.ts";
import { parseFieldSelector, parseLabelSelector, type SelectorTerm, selects } from "./kube-selectors.ts";
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  injected,
  invalid,
  jsonPatchNotApplied,
  notFound,
  type StatusBody,
  type StatusCause,
  status,
  unauthorized,
  unknownPath,
  unsupportedMediaType,
  webhookDenied,
} from "./kube-status.ts";
import type { KubeObject } from "./seed-manifests.ts";
import { validateUpstream } from "./upstream-schemas.ts";

export type KubeVerb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "delete"
  | "deletecollection";

export const PATCH_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
} as const;

/** One request as the double saw it; the bearer token itself is never kept. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  /** The parsed JSON body, or the raw text when it was not JSON; undefined without a body. */
  readonly body: unknown;
  readonly verb: KubeVerb | undefined;
  /** The plural resource, e.g. `ingresses`. */
  readonly resource: string | undefined;
  /** The resource's API group ("" for the core group), when the path named a resource. */
  readonly group: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly authenticated: boolean;
  /** The status answered, or "reset" when the connection was dropped. */
  readonly status: number | "reset";
}

/** Selects requests by RBAC verb and plural resource, optionally one object. */
export interface RequestMatch {
  readonly verb: KubeVerb;
  readonly resource: string;
  readonly name?: string;
}

export interface Fault extends RequestMatch {
  /** An HTTP status, answered with the Status body the real server uses for it, or a dropped connection. */
  readonly status: number | "reset";
  /** How many matching requests fail; 1 unless told. */
  readonly times?: number;
  readonly message?: string;
}

/**
 * A validating admission webhook as the API server calls it on each write of a kind
 * (admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration, operations UPDATE).
 * `validate` sees the object as it would be stored and the object before; a string is
 * the webhook's denial message, undefined admits the write.
 */
export interface AdmissionWebhook {
  /** The webhook's name, e.g. KEDA's `vscaledobject.kb.io`. */
  readonly name: string;
  readonly kind: string;
  validate(object: KubeObject, old: KubeObject): string | undefined;
}

export interface KubeApiDoubleOptions {
  /** The bearer token the double accepts; anything else is answered 401. */
  readonly token?: string;
  /** Decides which bearer tokens authenticate instead of `token` (e.g. an EKS token check). */
  readonly authenticate?: (token: string) => boolean;
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** The user name RBAC denials name: an EKS access entry maps an assumed role to this. */
  readonly user?: string;
  /**
   * The server's clock, in epoch ms: its `Date` response header (Go's net/http writes one
   * on every response, net/http/server.go). Unset: Node's own Date header, the real clock.
   */
  readonly clock?: () => number;
}

interface Route {
  readonly resource: ResourceType;
  readonly namespace: string;
  readonly name: string | undefined;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const DEFAULT_TOKEN = "k8s-aws-v1.double-token";
const DEFAULT_USER = "arn:aws:sts::111122223333:assumed-role/switchyard-controller/switchyard-evaluate";

/** fast-json-patch errors that mean the patch document itself is malformed (the server's 400). */
const MALFORMED_PATCH = new Set([
  "SEQUENCE_NOT_AN_ARRAY",
  "OPERATION_NOT_AN_OBJECT",
  "OPERATION_OP_INVALID",
  "OPERATION_PATH_INVALID",
  "OPERATION_FROM_REQUIRED",
  "OPERATION_VALUE_REQUIRED",
  "OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED",
]);

const LOCAL_MODELS: Record<string, (object: unknown) => { validate(): void }> = {
  "v1/Pod": (o) => new Pod(o as never),
  "v1/Event": (o) => new Event(o as never),
};

/** The upstream schema check every stored object passes. */
export function validateKubeObject(object: KubeObject): void {
  const local = LOCAL_MODELS[`${object.apiVersion}/${object.kind}`];
  if (local === undefined) {
    validateUpstream(object);
  } else {
    local(object).validate();
  }
}

function keyOf(plural: string, namespace: string, name: string): string {
  return `${plural}/${namespace}/${name}`;
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class KubeApiDouble {
  readonly #token: string;
  readonly #authenticate: ((token: string) => boolean) | undefined;
  readonly #tls: { readonly key: string; readonly cert: string } | undefined;
  readonly #user: string;
  readonly #clock: (() => number) | undefined;
  readonly #objects = new Map<string, KubeObject>();
  readonly #requests: RecordedRequest[] = [];
  readonly #discoveryRequests: RecordedRequest[] = [];
  readonly #faults: { match: RequestMatch; status: number | "reset"; left: number; message: string }[] = [];
  readonly #hooks: { match: RequestMatch; action: () => void; left: number }[] = [];
  readonly #denied: RequestMatch[] = [];
  readonly #watchers: ((object: KubeObject) => void)[] = [];
  readonly #webhooks: AdmissionWebhook[] = [];
  #revision = 100;
  #server: Server | undefined;
  #url: string | undefined;

  constructor(options: KubeApiDoubleOptions = {}) {
    this.#token = options.token ?? DEFAULT_TOKEN;
    this.#authenticate = options.authenticate;
    this.#tls = options.tls;
    this.#user = options.user ?? DEFAULT_USER;
    this.#clock = options.clock;
  }

  get url(): string {
    if (this.#url === undefined) {
      throw new Error("KubeApiDouble: call start() first");
    }
    return this.#url;
  }

  get user(): string {
    return this.#user;
  }

  /** The last resourceVersion handed out (the etcd revision, as a LIST reports it). */
  get resourceVersion(): string {
    return String(this.#revision);
  }

  /** The requests on objects (get, list, patch, ...); discovery requests are kept apart. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** The API discovery requests (GET /api/v1, /apis/<group>/<version>), answered or refused. */
  get discoveryRequests(): readonly RecordedRequest[] {
    return this.#discoveryRequests;
  }

  async start(): Promise<void> {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`KubeApiDouble failed: ${String(error)}`);
      });
    };
    const server: Server =
      this.#tls === undefined ? createServer(listener) : createTlsServer(this.#tls, listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
    const scheme = this.#tls === undefined ? "http" : "https";
    this.#url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) {
      return;
    }
    this.#server = undefined;
    // client-node's fetch keeps connections alive; close() alone would wait for them.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((e) => (e === undefined ? resolve() : reject(e))),
    );
  }

  /**
   * A KubeConfig for this double. Plain HTTP needs `skipTLSVerify` (client-node
   * refuses http: otherwise); the production config (`kubeConfigFor`) never sets it.
   */
  kubeConfig(token: string = this.#token): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: "double", server: this.url, skipTLSVerify: true }],
      users: [{ name: "switchyard", token }],
      contexts: [{ name: "double", cluster: "double", user: "switchyard" }],
      currentContext: "double",
    });
    return config;
  }

  /** Stores an object as a create or update would: new resourceVersion, schema-checked. */
  put(object: KubeObject): KubeObject {
    const resource = resourceByKind(object.kind);
    const stored = structuredClone(object);
    stored.metadata.namespace ??= "default";
    const key = keyOf(resource.plural, stored.metadata.namespace, stored.metadata.name);
    const existing = this.#objects.get(key);
    stored.metadata.uid = existing?.metadata.uid ?? stored.metadata.uid ?? randomUUID();
    stored.metadata.creationTimestamp =
      existing?.metadata.creationTimestamp ?? stored.metadata.creationTimestamp ?? nowRfc3339();
    stored.metadata.generation ??= 1;
    return this.#write(key, stored);
  }

  /** A stored object, or undefined. */
  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.#objects.get(keyOf(resourceByKind(kind).plural, namespace, name));
    return found === undefined ? undefined : structuredClone(found);
  }

  /** The stored objects of a kind in a namespace, by name. */
  all(kind: string, namespace: string): KubeObject[] {
    const plural = resourceByKind(kind).plural;
    return [...this.#objects.entries()]
      .filter(([key]) => key.startsWith(`${plural}/${namespace}/`))
      .map(([, object]) => structuredClone(object))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Deletes a stored object as another client would (a controller removing what it owns). */
  remove(kind: string, namespace: string, name: string): void {
    this.#objects.delete(keyOf(resourceByKind(kind).plural, namespace, name));
  }

  /**
   * Calls `watcher` with each object a request writes, before the response goes out: a
   * controller watching the API (KEDA's operator) reacting to Switchyard's patch.
   */
  watch(watcher: (object: KubeObject) => void): void {
    this.#watchers.push(watcher);
  }

  /** Calls `webhook` on every patch of its kind, as a ValidatingWebhookConfiguration makes the API server do. */
  admit(webhook: AdmissionWebhook): void {
    this.#webhooks.push(webhook);
  }

  /** Changes a stored object as another client would: a write with a new resourceVersion. */
  edit(kind: string, namespace: string, name: string, change: (object: KubeObject) => void): KubeObject {
    const key = keyOf(resourceByKind(kind).plural, namespace, name);
    const found = this.#objects.get(key);
    if (found === undefined) {
      throw new Error(`KubeApiDouble: no ${kind} ${namespace}/${name} to edit`);
    }
    const changed = structuredClone(found);
    change(changed);
    return this.#write(key, changed);
  }

  /** The next `times` requests matching answer `status` (or drop the connection). */
  failNext(fault: Fault): void {
    this.#faults.push({
      match: fault,
      status: fault.status,
      left: fault.times ?? 1,
      message: fault.message ?? "injected by the test",
    });
  }

  /**
   * Runs `action` just before each of the next `times` matching requests is handled:
   * another writer's edit landing between Switchyard's read and its patch.
   */
  beforeNext(match: RequestMatch, action: () => void, times = 1): void {
    this.#hooks.push({ match, action, left: times });
  }

  /** RBAC denies the verb on the resource (optionally one name) until the test ends. */
  deny(match: RequestMatch): void {
    this.#denied.push(match);
  }

  requestsMatching(match: Partial<RequestMatch>): RecordedRequest[] {
    return this.#requests.filter(
      (r) =>
        (match.verb === undefined || r.verb === match.verb) &&
        (match.resource === undefined || r.resource === match.resource) &&
        (match.name === undefined || r.name === match.name),
    );
  }

  clearRequests(): void {
    this.#requests.length = 0;
    this.#discoveryRequests.length = 0;
  }

  /** Forgets every object, request, fault, hook and denial: a fresh cluster on the same URL. */
  reset(): void {
    this.#objects.clear();
    this.#requests.length = 0;
    this.#discoveryRequests.length = 0;
    this.#faults.length = 0;
    this.#hooks.length = 0;
    this.#denied.length = 0;
    this.#watchers.length = 0;
    this.#webhooks.length = 0;
  }

  #write(key: string, object: KubeObject): KubeObject {
    validateKubeObject(object);
    this.#revision += 1;
    object.metadata.resourceVersion = String(this.#revision);
    this.#objects.set(key, object);
    return structuredClone(object);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const text = await readBody(req);
    const contentType = req.headers["content-type"]?.split(";")[0]?.trim();
    const body = text === "" ? undefined : parseJson(text);
    const route = parseRoute(url.pathname);
    const verb = verbOf(req.method ?? "GET", route);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const authenticated =
      bearer !== undefined &&
      (this.#authenticate === undefined ? bearer === this.#token : this.#authenticate(bearer));
    const seen = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      body: body === undefined ? undefined : body.ok ? body.value : text,
      verb,
      resource: route?.resource.plural,
      group: route?.resource.group,
      namespace: route?.namespace,
      name: route?.name,
      authenticated,
    };
    const answer = this.#answer(seen, route, url.searchParams, body);
    const log =
      route === null && DISCOVERY_PATH.test(url.pathname) ? this.#discoveryRequests : this.#requests;
    log.push({ ...seen, status: answer === "reset" ? "reset" : answer.status });
    if (answer === "reset") {
      req.socket.destroy();
      return;
    }
    const payload = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(payload),
      ...(this.#clock === undefined ? {} : { date: new Date(this.#clock()).toUTCString() }),
    });
    res.end(payload);
  }

  #answer(
    seen: Omit<RecordedRequest, "status">,
    route: Route | null,
    query: URLSearchParams,
    body: { ok: true; value: unknown } | { ok: false; error: string } | undefined,
  ): Answer | "reset" {
    const request = { verb: seen.verb, resource: seen.resource, name: seen.name };
    for (const hook of this.#hooks.filter((h) => h.left > 0 && matches(h.match, request))) {
      hook.left -= 1;
      hook.action();
    }
    if (!seen.authenticated) {
      return { status: 401, body: unauthorized() };
    }
    if (route === null || seen.verb === undefined) {
      const discovery = seen.method === "GET" ? discoveryOf(seen.path) : undefined;
      return discovery === undefined
        ? { status: 404, body: unknownPath() }
        : { status: 200, body: discovery };
    }
    const target = { group: route.resource.group, plural: route.resource.plural, name: route.name ?? "" };
    const fault = this.#faults.find((f) => f.left > 0 && matches(f.match, request));
    if (fault !== undefined) {
      fault.left -= 1;
      return fault.status === "reset"
        ? "reset"
        : { status: fault.status, body: injected(fault.status, fault.message, target) };
    }
    if (this.#denied.some((d) => matches(d, request))) {
      return {
        status: 403,
        body: forbidden({ ...target, verb: seen.verb, namespace: route.namespace, user: this.#user }),
      };
    }
    switch (seen.verb) {
      case "get":
        return this.#getOne(route);
      case "list":
        return this.#list(route, query);
      case "patch":
        return this.#patch(route, seen.contentType, body);
      case "create":
        return this.#create(route, body);
      default:
        return {
          status: 405,
          body: status(405, "MethodNotAllowed", `the Kubernetes API double does not implement ${seen.verb}`),
        };
    }
  }

  #getOne(route: Route): Answer {
    const name = route.name ?? "";
    const found = this.#objects.get(keyOf(route.resource.plural, route.namespace, name));
    if (found === undefined) {
      return { status: 404, body: notFound({ ...route.resource, name }) };
    }
    return { status: 200, body: found };
  }

  #list(route: Route, query: URLSearchParams): Answer {
    let fields: SelectorTerm[];
    let labels: SelectorTerm[];
    try {
      fields = parseFieldSelector(query.get("fieldSelector") ?? "", route.resource.fieldLabels);
      labels = parseLabelSelector(query.get("labelSelector") ?? "");
    } catch (error) {
      return { status: 400, body: badRequest((error as Error).message) };
    }
    const items = [...this.#objects.values()]
      .filter((o) => o.kind === route.resource.kind && o.metadata.namespace === route.namespace)
      .filter((o) => selects(fields, (field) => fieldValue(o, field)))
      .filter((o) =>
        selects(labels, (label) => (o.metadata.labels as Record<string, string> | undefined)?.[label]),
      )
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      // Built-in lists leave kind and apiVersion off their items; custom resources keep them.
      .map(({ apiVersion, kind, ...rest }) => (route.resource.custom ? { apiVersion, kind, ...rest } : rest));
    return {
      status: 200,
      body: {
        apiVersion: apiVersionOf(route.resource),
        kind: `${route.resource.kind}List`,
        metadata: { resourceVersion: this.resourceVersion },
        items,
      },
    };
  }

  /**
   * A create: only of Events through events.k8s.io/v1 (what Switchyard writes); any other
   * is answered 405, as the double implements no other. The body is decoded, checked
   * against the upstream schema and validated as the API server validates that create
   * (kube-events-v1.ts); a name that is taken is 409 AlreadyExists.
   */
  #create(
    route: Route,
    body: { ok: true; value: unknown } | { ok: false; error: string } | undefined,
  ): Answer {
    const resource = route.resource;
    if (resource.group !== "events.k8s.io") {
      return {
        status: 405,
        body: status(405, "MethodNotAllowed", "the Kubernetes API double does not implement create"),
      };
    }
    if (body === undefined || !body.ok || typeof body.value !== "object" || body.value === null) {
      return {
        status: 400,
        body: badRequest(`error decoding the body: ${body?.ok === false ? body.error : "empty"}`),
      };
    }
    const object = body.value as Record<string, unknown>;
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const name = metadata.name ?? "";
    if (metadata.namespace !== undefined && metadata.namespace !== route.namespace) {
      return {
        status: 400,
        body: badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        ),
      };
    }
    const decodeError = undecodable(object);
    if (decodeError !== null) {
      return { status: 400, body: badRequest(decodeError) };
    }
    const causes = [...schemaCauses(object), ...createCauses(object, route.namespace)];
    if (causes.length > 0) {
      return { status: 422, body: invalid({ group: resource.group, kind: resource.kind, name }, causes) };
    }
    const key = keyOf(resource.plural, route.namespace, name);
    if (this.#objects.has(key)) {
      return { status: 409, body: alreadyExists({ ...resource, name }) };
    }
    const stored = toCoreEvent(object, route.namespace);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = nowRfc3339();
    const written = this.#write(key, stored);
    return { status: 201, body: toEventsV1(written) };
  }

  #patch(
    route: Route,
    contentType: string | undefined,
    body: { ok: true; value: unknown } | { ok: false; error: string } | undefined,
  ): Answer {
    const resource = route.resource;
    const accepted = resource.custom
      ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply];
    if (contentType === undefined || !(accepted as string[]).includes(contentType)) {
      return { status: 415, body: unsupportedMediaType(accepted) };
    }
    if (contentType === PATCH_TYPES.strategic || contentType === PATCH_TYPES.apply) {
      return {
        status: 501,
        body: status(501, "NotImplemented", `the Kubernetes API double does not implement ${contentType}`),
      };
    }
    const name = route.name ?? "";
    const key = keyOf(resource.plural, route.namespace, name);
    const stored = this.#objects.get(key);
    if (stored === undefined) {
      return { status: 404, body: notFound({ ...resource, name }) };
    }
    if (body === undefined || !body.ok) {
      return { status: 400, body: badRequest(`error decoding patch: ${body?.error ?? "empty body"}`) };
    }

    const applied =
      contentType === PATCH_TYPES.json ? applyJsonPatch(stored, body.value) : applyMerge(stored, body.value);
    if ("status" in applied) {
      return applied;
    }
    const patched = applied.object;
    if (patched.metadata?.name !== name) {
      return {
        status: 400,
        body: badRequest(
          `the name of the object (${String(patched.metadata?.name)}) does not match the name on the URL (${name})`,
        ),
      };
    }
    // The patched object's resourceVersion is the precondition of the update: a merge
    // patch that carries one that moved on is refused, as GuaranteedUpdate does.
    const precondition = patched.metadata.resourceVersion;
    if (
      precondition !== undefined &&
      precondition !== "" &&
      precondition !== stored.metadata.resourceVersion
    ) {
      return { status: 409, body: conflict({ ...resource, name }) };
    }
    patched.metadata.resourceVersion = stored.metadata.resourceVersion;
    patched.metadata.namespace = route.namespace;
    if (isDeepStrictEqual(patched, stored)) {
      // A patch that changes nothing is not a write: same object, same resourceVersion.
      return { status: 200, body: stored };
    }
    try {
      validateKubeObject(patched);
    } catch (error) {
      return { status: 422, body: invalid({ ...resource, name }, causesOf(error, patched)) };
    }
    // Validating admission runs after the schema check (k8s.io/apiserver
    // pkg/endpoints/handlers/patch.go: admit after the object is decoded and validated).
    for (const webhook of this.#webhooks.filter((w) => w.kind === patched.kind)) {
      const denial = webhook.validate(structuredClone(patched), structuredClone(stored));
      if (denial !== undefined) {
        return { status: 403, body: webhookDenied(webhook.name, denial) };
      }
    }
    if (!isDeepStrictEqual(patched.spec, stored.spec)) {
      patched.metadata.generation = Number(stored.metadata.generation ?? 1) + 1;
    }
    const written = this.#write(key, patched);
    for (const watcher of this.#watchers) {
      watcher(structuredClone(written));
    }
    // The response is this write; what a watcher did in reaction comes after it.
    return { status: 200, body: written };
  }
}

function applyJsonPatch(stored: KubeObject, patch: unknown): { object: KubeObject } | Answer {
  if (!Array.isArray(patch)) {
    return {
      status: 400,
      body: badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
    };
  }
  try {
    const result = jsonPatch.applyPatch(structuredClone(stored), patch as Operation[], true, true);
    return { object: result.newDocument };
  } catch (error) {
    if (error instanceof jsonPatch.JsonPatchError && MALFORMED_PATCH.has(error.name)) {
      return { status: 400, body: badRequest(error.message.split("\n")[0] ?? error.message) };
    }
    return { status: 422, body: jsonPatchNotApplied() };
  }
}

function applyMerge(stored: KubeObject, patch: unknown): { object: KubeObject } | Answer {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return {
      status: 400,
      body: badRequest("error decoding patch: a merge patch must be a JSON object"),
    };
  }
  return { object: mergePatch.apply(structuredClone(stored), patch) as KubeObject };
}

const DISCOVERY_PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/;

/** The verbs every built-in and KEDA resource served here lists in discovery. */
const RESOURCE_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/**
 * The APIResourceList of `/api/v1` or `/apis/<group>/<version>` (API discovery,
 * https://kubernetes.io/docs/reference/using-api/api-concepts/ and the APIResourceList
 * type in https://kubernetes.io/docs/reference/generated/kubernetes-api/v1.33/#apiresourcelist-v1-meta):
 * each resource by plural name, its kind, whether it is namespaced and its verbs, with
 * the `status` subresource after it (Events have none), as the real server lists them. It is not RBAC-
 * checked per user: Kubernetes' default ClusterRoleBinding `system:discovery` grants
 * these GETs to the group system:authenticated, and EKS keeps it
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles), so
 * the namespaced Role Switchyard is bound to needs no rule for them. An unauthenticated
 * request never gets here (401 above). Undefined for any other path or an unknown group.
 */
function discoveryOf(path: string): unknown {
  const match = DISCOVERY_PATH.exec(path);
  if (match === null) {
    return undefined;
  }
  const group = match[1] === undefined ? (match[2] ?? "") : "";
  const version = match[1] ?? match[3] ?? "";
  const served = RESOURCE_TYPES.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) {
    return undefined;
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: served.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.kind.toLowerCase(),
        namespaced: true,
        kind: r.kind,
        verbs: RESOURCE_VERBS,
      },
      // Events have no status subresource.
      ...(r.kind === "Event"
        ? []
        : [
            {
              name: `${r.plural}/status`,
              singularName: "",
              namespaced: true,
              kind: r.kind,
              verbs: ["get", "patch", "update"],
            },
          ]),
    ]),
  };
}

function matches(
  match: RequestMatch,
  request: { verb: KubeVerb | undefined; resource: string | undefined; name: string | undefined },
): boolean {
  return (
    match.verb === request.verb &&
    match.resource === request.resource &&
    (match.name === undefined || match.name === request.name)
  );
}

/**
 * `/api/v1/namespaces/{ns}/{plural}[/{name}]` and
 * `/apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}]`; anything else is unknown.
 */
function parseRoute(path: string): Route | null {
  const parts = path
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  const [root, ...rest] = parts;
  let group: string;
  let version: string | undefined;
  let tail: string[];
  if (root === "api") {
    group = "";
    [version, ...tail] = rest;
  } else if (root === "apis") {
    const [g, v, ...t] = rest;
    group = g ?? "";
    version = v;
    tail = t;
  } else {
    return null;
  }
  const [namespacesSegment, namespace, plural, name, ...extra] = tail;
  if (
    namespacesSegment !== "namespaces" ||
    namespace === undefined ||
    plural === undefined ||
    extra.length > 0
  ) {
    return null;
  }
  const resource = resourceByPlural(group, plural);
  if (resource === undefined || resource.version !== version) {
    return null;
  }
  return { resource, namespace, name };
}

function verbOf(method: string, route: Route | null): KubeVerb | undefined {
  if (route === null) {
    return undefined;
  }
  const named = route.name !== undefined;
  switch (method) {
    case "GET":
      return named ? "get" : "list";
    case "PATCH":
      return named ? "patch" : undefined;
    case "PUT":
      return named ? "update" : undefined;
    case "POST":
      return named ? undefined : "create";
    case "DELETE":
      return named ? "delete" : "deletecollection";
    default:
      return undefined;
  }
}

function fieldValue(object: KubeObject, field: string): string | undefined {
  // Events select on `source` by its component (pkg/registry/core/event/strategy.go).
  const path = field === "source" ? "source.component" : field;
  let value: unknown = object;
  for (const segment of path.split(".")) {
    value =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value === undefined || value === null ? undefined : String(value);
}

/** Kubernetes field paths (`spec.triggers[0].metadata.targetMetricValue`) from the validator's errors. */
function causesOf(error: unknown, object: KubeObject): StatusCause[] {
  const errors = (error as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    return [{ reason: "FieldValueInvalid", message: (error as Error).message, field: "" }];
  }
  return errors.map((e: { instancePath?: string; keyword?: string; message?: string; params?: unknown }) => {
    const pointer = e.instancePath ?? "";
    const field = fieldPath(pointer);
    const value = valueAtPointer(object, pointer);
    const expected = (e.params as { type?: string } | undefined)?.type;
    if (e.keyword === "type" && expected !== undefined) {
      const actual = value === null ? "null" : typeof value;
      return {
        reason: "FieldValueTypeInvalid",
        message: `Invalid value: "${actual}": ${field} in body must be of type ${expected}: "${actual}"`,
        field,
      };
    }
    return {
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(value)}: ${field} in body ${e.message ?? "is invalid"}`,
      field,
    };
  });
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function fieldPath(pointer: string): string {
  return pointerSegments(pointer)
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join("");
}

function valueAtPointer(object: unknown, pointer: string): unknown {
  let value = object;
  for (const segment of pointerSegments(pointer)) {
    value =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export type { StatusBody };
