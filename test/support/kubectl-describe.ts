/**
 * What `kubectl describe ingress <name>` prints under "Events:", read the way kubectl
 * reads it (kubernetes/kubectl pkg/describe/describe.go at dee3483a):
 * - searchEvents lists core/v1 Events in the object's namespace with the field selector
 *   client-go's GetFieldSelector builds from the object's reference: involvedObject.name,
 *   .namespace, .kind and, the object having one, .uid;
 * - DescribeEvents sorts them by lastTimestamp (pkg/util/event/sorted_event_list.go; an
 *   Event written through events.k8s.io/v1 has none, so those sort first, in list order:
 *   Go's sort.Sort is an insertion sort, stable, for up to 12 items) and prints
 *   Type, Reason, Age, From (source.component, else reportingController) and Message.
 * Age is left out: it depends on the clock of the terminal.
 */
import { CoreV1Api, type CoreV1Event } from "@kubernetes/client-node";
import type { KubeApiDouble } from "./kube-api-double.ts";

/** A bearer token the EKS double accepts (what the EKS authenticator checks of its form: eks-authenticator.ts). */
function operatorToken(): string {
  const url =
    "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60" +
    "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=0000";
  return `k8s-aws-v1.${Buffer.from(url).toString("base64url")}`;
}

export interface DescribedEvent {
  readonly type: string;
  readonly reason: string;
  readonly from: string;
  readonly message: string;
  /** The Event as listed, for what the table does not show. */
  readonly event: CoreV1Event;
}

/** The Events section of `kubectl describe ingress <name> -n <namespace>`, row by row. */
export async function describeIngressEvents(
  double: KubeApiDouble,
  namespace: string,
  name: string,
): Promise<DescribedEvent[]> {
  const uid = double.get("Ingress", namespace, name)?.metadata.uid;
  const api = double.kubeConfig(operatorToken()).makeApiClient(CoreV1Api);
  const selector = [
    `involvedObject.name=${name}`,
    `involvedObject.namespace=${namespace}`,
    "involvedObject.kind=Ingress",
    ...(uid === undefined ? [] : [`involvedObject.uid=${uid}`]),
  ].join(",");
  const list = await api.listNamespacedEvent({ namespace, fieldSelector: selector });
  const time = (e: CoreV1Event): number =>
    e.lastTimestamp === undefined || e.lastTimestamp === null ? 0 : new Date(e.lastTimestamp).getTime();
  return [...list.items]
    .sort((a, b) => time(a) - time(b))
    .map((event) => ({
      type: event.type ?? "",
      reason: event.reason ?? "",
      from: event.source?.component || event.reportingComponent || "",
      message: (event.message ?? "").trim(),
      event,
    }));
}
