import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { Service } from "kubernetes-models/v1/Service";

type Validating = { validate(): void };
const MODELS: Record<string, (object: unknown) => Validating> = {
  "networking.k8s.io/v1/Ingress": (o) => new Ingress(o as never),
  "keda.sh/v1alpha1/ScaledObject": (o) => new ScaledObject(o as never),
  "apps/v1/Deployment": (o) => new Deployment(o as never),
  "autoscaling/v2/HorizontalPodAutoscaler": (o) => new HorizontalPodAutoscaler(o as never),
  "v1/Service": (o) => new Service(o as never),
  "rbac.authorization.k8s.io/v1/Role": (o) => new Role(o as never),
  "rbac.authorization.k8s.io/v1/RoleBinding": (o) => new RoleBinding(o as never),
};

/**
 * Validates an object against the upstream schema for its apiVersion and kind
 * (`kubernetes-models`, `@kubernetes-models/keda`). Throws the validator's error.
 */
export function validateUpstream(object: unknown): void {
  const { apiVersion, kind } = (object ?? {}) as { apiVersion?: string; kind?: string };
  const model = MODELS[`${apiVersion}/${kind}`];
  if (model === undefined) {
    throw new Error(`no upstream schema registered for ${apiVersion}/${kind}`);
  }
  model(object).validate();
}
