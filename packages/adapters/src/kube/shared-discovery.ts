import { KubernetesObjectApi, type V1APIResourceList } from "@kubernetes/client-node";

/**
 * The built-in objects (Ingress, Deployments, Pods, Events, the HPA) go through
 * client-node's generic KubernetesObjectApi rather than the generated per-group
 * classes (CoreV1Api, AppsV1Api, ...): each of those carries every method of its
 * group, about 0.9 MiB of a Lambda bundle for the six calls made here. The generic API
 * finds a kind's plural and scope by discovery (GET /api/v1, /apis/<group>/<version>);
 * its answers are kept in the cache handed to `sharing`, so a container asks once per
 * group however many clients it makes (one per token). ScaledObjects stay on
 * CustomObjectsApi: their patch is a JSON-patch array, and KubernetesObjectApi.patch
 * sends the object it is given as the body.
 */
export class SharedDiscoveryObjectApi extends KubernetesObjectApi {
  sharing(cache: Record<string, V1APIResourceList>): this {
    this.apiVersionResourceCache = cache;
    return this;
  }
}
