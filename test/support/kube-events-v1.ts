/**
 * How the API server takes an events.k8s.io/v1 Event: the body decoded (a MicroTime
 * must have exactly six fractional digits), checked against the upstream schema
 * (kubernetes-models events.k8s.io/v1 Event), validated as a create through that API
 * (kubernetes pkg/apis/core/validation/events.go, ValidateEventCreate and
 * legacyValidateEvent), and stored as the one Event kind both APIs share, which core/v1
 * reads back (pkg/apis/events/v1/conversion.go, Convert_v1_Event_To_core_Event).
 */
import { Event as EventsV1Event } from "kubernetes-models/events.k8s.io/v1/Event";
import type { StatusCause } from "./kube-status.ts";
import type { KubeObject } from "./seed-manifests.ts";

/** metav1.MicroTime's layout, RFC3339Micro `2006-01-02T15:04:05.000000Z07:00` (apimachinery pkg/apis/meta/v1/micro_time.go). */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(?:Z|[+-]\d\d:\d\d)$/;

/** events.go's limits. */
const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

/** apimachinery validation IsDNS1123Subdomain: at most 253, lower-case alphanumerics, '-' and '.'. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** IsQualifiedName: an optional DNS-subdomain prefix and '/', then a name of at most 63. */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function isQualifiedName(value: string): boolean {
  const parts = value.split("/");
  if (parts.length > 2) return false;
  const name = parts.at(-1) ?? "";
  const prefix = parts.length === 2 ? (parts[0] ?? "") : null;
  return (
    name.length <= 63 &&
    QUALIFIED_NAME.test(name) &&
    (prefix === null || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)))
  );
}

type Json = Record<string, unknown>;

/** The first value that cannot be decoded, as the server's 400 names it; null when the body decodes. */
export function undecodable(body: Json): string | null {
  const times: [string, unknown][] = [
    ["eventTime", body.eventTime],
    ["series.lastObservedTime", (body.series as Json | undefined)?.lastObservedTime],
  ];
  for (const [field, value] of times) {
    if (value !== undefined && value !== null && (typeof value !== "string" || !MICRO_TIME.test(value))) {
      return `Event in version "v1" cannot be handled as a Event: ${field}: parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse`;
    }
  }
  return null;
}

/** Schema errors of the upstream model, as 422 causes; empty when it passes. */
export function schemaCauses(body: Json): StatusCause[] {
  try {
    new EventsV1Event(body as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath?: string; message?: string }[] }).errors ?? [];
    return errors.length === 0
      ? [{ reason: "FieldValueInvalid", message: (error as Error).message, field: "" }]
      : errors.map((e) => ({
          reason: "FieldValueInvalid",
          message: `Invalid value: ${e.message ?? "is invalid"}`,
          field: (e.instancePath ?? "").split("/").filter(Boolean).join("."),
        }));
  }
}

const required = (field: string): StatusCause => ({
  reason: "FieldValueRequired",
  message: "Required value",
  field,
});
const invalidField = (field: string, message: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${message}`,
  field,
});

/** ValidateEventCreate for a request through events.k8s.io/v1: the strict rules, then the legacy ones. */
export function createCauses(body: Json, namespace: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const metadata = (body.metadata ?? {}) as Json;
  const name = typeof metadata.name === "string" ? metadata.name : "";
  if (name === "") {
    causes.push(required("metadata.name"));
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    causes.push(invalidField("metadata.name", "a lowercase RFC 1123 subdomain"));
  }
  const series = body.series as Json | undefined;
  if (series !== undefined && series !== null) {
    if (typeof series.count !== "number" || series.count < 2) {
      causes.push(invalidField("series.count", "should be at least 2"));
    }
    if (series.lastObservedTime === undefined || series.lastObservedTime === null) {
      causes.push(required("series.lastObservedTime"));
    }
  }
  if (body.eventTime === undefined || body.eventTime === null) {
    causes.push(required("eventTime"));
  }
  if (body.type !== "Normal" && body.type !== "Warning") {
    causes.push(invalidField("type", `has invalid value: ${String(body.type ?? "")}`));
  }
  for (const field of ["deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount"]) {
    if (body[field] !== undefined && body[field] !== null && body[field] !== 0) {
      causes.push(invalidField(field, "needs to be unset"));
    }
  }
  const source = body.deprecatedSource as Json | undefined;
  if ((source?.component ?? "") !== "" || (source?.host ?? "") !== "") {
    causes.push(invalidField("deprecatedSource", "needs to be unset"));
  }
  // legacyValidateEvent, the "new Events" branch (eventTime set).
  const regardingNamespace = ((body.regarding ?? {}) as Json).namespace ?? "";
  if (regardingNamespace === "" && namespace !== "default" && namespace !== "kube-system") {
    causes.push(invalidField("regarding.namespace", "does not match event.namespace"));
  }
  const text = (field: string): string => (typeof body[field] === "string" ? (body[field] as string) : "");
  const controller = text("reportingController");
  if (controller === "") {
    causes.push(required("reportingController"));
  } else if (!isQualifiedName(controller)) {
    causes.push(invalidField("reportingController", `"${controller}" is not a qualified name`));
  }
  const lengths: [string, number][] = [
    ["reportingInstance", REPORTING_INSTANCE_LIMIT],
    ["action", ACTION_LIMIT],
    ["reason", REASON_LIMIT],
  ];
  for (const [field, limit] of lengths) {
    if (text(field) === "") {
      causes.push(required(field));
    } else if (text(field).length > limit) {
      causes.push(invalidField(field, `can have at most ${limit} characters`));
    }
  }
  // Go's len() of a string: its bytes.
  if (Buffer.byteLength(text("note")) > NOTE_LIMIT) {
    causes.push(invalidField("note", `can have at most ${NOTE_LIMIT} characters`));
  }
  return causes;
}

/** The stored Event, as core/v1 reads it back (Convert_v1_Event_To_core_Event). */
export function toCoreEvent(body: Json, namespace: string): KubeObject {
  const metadata = { ...((body.metadata ?? {}) as Json), namespace };
  const optional = (key: string, value: unknown): Json =>
    value === undefined || value === null ? {} : { [key]: value };
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata,
    involvedObject: body.regarding,
    reason: body.reason,
    message: body.note,
    type: body.type,
    eventTime: body.eventTime,
    action: body.action,
    reportingComponent: body.reportingController,
    reportingInstance: body.reportingInstance,
    ...optional("related", body.related),
    ...optional("series", body.series),
    ...optional("source", body.deprecatedSource),
    ...optional("firstTimestamp", body.deprecatedFirstTimestamp),
    ...optional("lastTimestamp", body.deprecatedLastTimestamp),
    ...optional("count", body.deprecatedCount),
  } as unknown as KubeObject;
}

/** A stored Event as events.k8s.io/v1 answers it (Convert_core_Event_To_v1_Event). */
export function toEventsV1(stored: KubeObject): Json {
  const core = stored as unknown as Json;
  const optional = (key: string, value: unknown): Json =>
    value === undefined || value === null ? {} : { [key]: value };
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: stored.metadata,
    regarding: core.involvedObject,
    reason: core.reason,
    note: core.message,
    type: core.type,
    eventTime: core.eventTime,
    action: core.action,
    reportingController: core.reportingComponent,
    reportingInstance: core.reportingInstance,
    ...optional("related", core.related),
    ...optional("series", core.series),
    ...optional("deprecatedSource", core.source),
    ...optional("deprecatedFirstTimestamp", core.firstTimestamp),
    ...optional("deprecatedLastTimestamp", core.lastTimestamp),
    ...optional("deprecatedCount", core.count),
  };
}
