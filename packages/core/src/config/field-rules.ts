import { z } from "zod";

/** How one config field is checked: its pattern or its bounds, with a message that names the field and why the bound is there. */

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` can be a deployment unit's (or service's) name: a Kubernetes DNS label. */
export function isUnitName(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/;

export const dnsLabel = (what: string) =>
  z
    .string({ error: `must be a string: the ${what}` })
    .max(63, { error: `must be at most 63 characters (a Kubernetes DNS label): the ${what}` })
    .regex(DNS_LABEL, {
      error: `must be a DNS label (lowercase letters, digits and '-', starting with a letter): the ${what}`,
    });

export const objectName = (what: string) =>
  z
    .string({ error: `must be a string: the ${what}` })
    .max(253, { error: `must be at most 253 characters: the ${what}` })
    .regex(DNS_SUBDOMAIN, {
      error: `must be a Kubernetes object name (lowercase letters, digits, '-' and '.'): the ${what}`,
    });

/**
 * A positive quantity bounded to what the field can mean: past the bounds the planning
 * math leaves the numbers it can represent (a KEDA target of 0, a bill of $Infinity).
 * Each message names the bound and why it is there.
 */
export const positive = (what: string, bounds: { readonly min?: Bound; readonly max: Bound }) => {
  const field = z
    .number({ error: `must be a number: ${what}` })
    .positive({ error: `must be a positive number: ${what}`, abort: true });
  const min = bounds.min;
  const atLeast =
    min === undefined
      ? field
      : field.min(min.value, { error: `must be at least ${min.value}: ${what}; ${min.why}`, abort: true });
  return atLeast.max(bounds.max.value, {
    error: `must be at most ${bounds.max.value}: ${what}; ${bounds.max.why}`,
  });
};

export interface Bound {
  readonly value: number;
  readonly why: string;
}

/** The ALB's longest idle timeout is 4000 s: no response through it takes longer. */
export const LONGEST_RESPONSE_MS: Bound = {
  value: 4_000_000,
  why: "no response through an ALB takes longer than its longest idle timeout, 4000 s",
};
export const SHORTEST_RESPONSE_MS: Bound = {
  value: 1,
  why: "a response time under 1 ms is not an inference's",
};

/** What one pod can serve: bounds a unit's maxRps, and a load test's rates. */
export const MAX_POD_RPS: Bound = {
  value: 1_000_000,
  why: "a million requests per second is beyond what one pod serves",
};

/** Demand a service can be planned for; also bounds `switchyard plan --demand`. */
export const MAX_DEMAND_RPS: Bound = {
  value: 1_000_000_000,
  why: "a billion requests per second is beyond any one load balancer",
};

export const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}: ${what}` })
    .int({ error: `must be a whole number from ${min} to ${max}: ${what}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}: ${what}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}: ${what}` });

export const port = z
  .union([wholeNumber("the Service port", 1, 65535), z.string().regex(DNS_LABEL)], {
    error: "must be a port number (1-65535) or a port name of the Service",
  })
  .meta({ description: "Service port: a number or the port's name." });
