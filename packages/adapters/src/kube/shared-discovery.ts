import {
  type Configuration,
  KubernetesObjectApi,
  type V1APIResource,
  type V1APIResourceList,
} from "@kubernetes/client-node";

/** Per shared cache: the discovery reads under way, by apiVersion. */
const inFlight = new WeakMap<object, Map<string, Promise<V1APIResource | undefined>>>();

/**
 * The built-in objects (Ingress, Deployments, Pods, Events, the HPA) go through
 * client-node's generic KubernetesObjectApi rather than the generated per-group
 * classes (CoreV1Api, AppsV1Api, ...): each of those carries every method of its
 * group, about 0.9 MiB of a Lambda bundle for the six calls made here. The generic API
 * finds a kind's plural and scope by discovery (GET /api/v1, /apis/<group>/<version>);
 * its answers are kept in the cache handed to `sharing`, so a container asks once per
 * group however many clients it makes (one per token), and however many requests of one
 * group start together (each unit's Deployment is read by name, in parallel): the first
 * asks, the others wait for its answer. ScaledObjects stay on CustomObjectsApi: their
 * patch is a JSON-patch array, and KubernetesObjectApi.patch sends the object it is
 * given as the body.
 */
export class SharedDiscoveryObjectApi extends KubernetesObjectApi {
  sharing(cache: Record<string, V1APIResourceList>): this {
    this.apiVersionResourceCache = cache;
    return this;
  }

  protected override async resource(
    apiVersion: string,
    kind: string,
    options?: Configuration,
  ): Promise<V1APIResource | undefined> {
    if (this.apiVersionResourceCache[apiVersion] === undefined) {
      const cache = this.apiVersionResourceCache;
      const pending = inFlight.get(cache) ?? new Map<string, Promise<V1APIResource | undefined>>();
      inFlight.set(cache, pending);
      const running = pending.get(apiVersion);
      if (running === undefined) {
        const asked = super.resource(apiVersion, kind, options);
        pending.set(apiVersion, asked);
        try {
          return await asked;
        } finally {
          pending.delete(apiVersion);
        }
      }
      // Another request asked already: use its answer (or ask again if it failed).
      await running.catch(() => undefined);
    }
    return super.resource(apiVersion, kind, options);
  }
}
