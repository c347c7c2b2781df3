export {
  actionAnnotationKey,
  holdRemovalCommand,
  KEDA_PAUSED_REPLICAS,
  SWITCHYARD_ANNOTATIONS,
} from "./annotations.ts";
export { kubernetesGroupsOf } from "./controller-rbac.ts";
export {
  describeTargetGroup,
  type ForwardAction,
  foreignActionOf,
  foreignTargetGroups,
  parseForwardAction,
  renderForwardAction,
} from "./forward-action.ts";
export {
  type IngressAsRead,
  type IngressMergePatch,
  ingressAnnotationsPatch,
  ingressJsonPatch,
  ingressRoutingPatch,
} from "./ingress-patch.ts";
export type { JsonPatchOperation } from "./json-patch.ts";
export { renderControllerRbac } from "./rbac-yaml.ts";
export { parseFloorMark, replicaFloorPatch } from "./replica-floor-patch.ts";
export { foreignPauses, parseHoldMark, replicaHoldPatch } from "./replica-hold.ts";
export {
  handAppliedTargetPatch,
  kedaHpaName,
  type ScaledObjectLike,
  scaledObjectTargetPatch,
  scalingTargetOf,
} from "./scaledobject-patch.ts";
export { portsNamedByIngress, USE_ANNOTATION } from "./service-ports.ts";
export { STANDBY_SOURCE_IP, type StandbyChanges, standbyActionNames, standbyChanges } from "./standby.ts";
export { eventNote, SWITCH_EVENT_REASONS, type SwitchEvent, switchEventObject } from "./switch-event.ts";
