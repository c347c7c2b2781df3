import { type ClusterEvent, rejectsWrittenRouting, type WrittenRouting } from "@switchyard/core";
import { describe, expect, it } from "vitest";

const WRITTEN: WrittenRouting = {
  namespace: "default",
  ingress: "sd21",
  actions: ["weighted-routing", "weighted-routing-standby-1"],
  services: ["sd21-inf2", "sd21-trn1", "sd21-all"],
};

function buildFailure(message: string, reason = "FailedBuildModel"): ClusterEvent {
  return {
    reason,
    message,
    type: "Warning",
    involvedObject: { kind: "Ingress", name: "sd21", namespace: "default" },
    at: Date.parse("2026-11-14T21:20:00Z"),
    count: 1,
  };
}

// Messages as the AWS Load Balancer Controller v3.5.0 words them: "Failed build model due
// to %v" (controllers/ingress/group_controller.go) around the model builder's error.
describe("Function: rejectsWrittenRouting", () => {
  it.each([
    [
      "the action's JSON (pkg/annotations/parser.go)",
      'Failed build model due to ingress: default/sd21: failed to parse json annotation, alb.ingress.kubernetes.io/actions.weighted-routing: {"type":"forward",}: invalid character \'}\' looking for beginning of object key string',
    ],
    [
      "a missing action (enhanced_backend_builder.go)",
      "Failed build model due to ingress: default/sd21: missing actions.weighted-routing-standby-1 configuration",
    ],
    [
      "a standby condition's JSON",
      "Failed build model due to ingress: default/sd21: failed to parse json annotation, alb.ingress.kubernetes.io/conditions.weighted-routing-standby-1: [: unexpected end of JSON input",
    ],
    [
      "an action check of config_types.go",
      "Failed build model due to ingress: default/sd21: invalid ForwardConfig: weight must be set when route to multiple target groups",
    ],
    [
      "a Service the action names that does not exist",
      'Failed build model due to ingress: default/sd21: services "sd21-all" not found',
    ],
    [
      "a port the Service does not have (pkg/k8s/service_utils.go)",
      "Failed build model due to ingress: default/sd21: unable to find port 8080 on service default/sd21-inf2",
    ],
  ])("rejects: %s", (_what, message) => {
    expect(rejectsWrittenRouting(buildFailure(message), WRITTEN)).toBe(true);
  });

  it.each([
    [
      "subnet discovery (model_build_load_balancer.go)",
      "Failed build model due to couldn't auto-discover subnets: operation error EC2: DescribeSubnets, https response error StatusCode: 503, RequestID: 1, api error RequestLimitExceeded: Request limit exceeded.",
    ],
    [
      "ACM certificate discovery (model_build_listener.go)",
      "Failed build model due to ingress: default/sd21: operation error ACM: ListCertificates, exceeded maximum number of attempts, 3, https response error StatusCode: 400, api error ThrottlingException: Rate exceeded",
    ],
    [
      "a target group looked up by name (model_build_actions.go)",
      "Failed build model due to ingress: default/sd21: searching TargetGroup with name canary-tg: operation error Elastic Load Balancing v2: DescribeTargetGroups, https response error StatusCode: 500",
    ],
    [
      "a sibling Ingress of the group, recorded on every member",
      "Failed build model due to ingress: default/other: failed to parse json annotation, alb.ingress.kubernetes.io/actions.weighted-routing: {: unexpected end of JSON input",
    ],
    [
      "an action whose name only starts like ours",
      "Failed build model due to ingress: default/sd21: missing actions.weighted-routing-canary configuration",
    ],
    [
      "a Service whose name only starts like ours",
      'Failed build model due to ingress: default/sd21: services "sd21-inf2-canary" not found',
    ],
  ])("does not reject (the controller retries): %s", (_what, message) => {
    expect(rejectsWrittenRouting(buildFailure(message), WRITTEN)).toBe(false);
  });

  it("never counts a FailedDeployModel as a rejection", () => {
    const event = buildFailure(
      "Failed deploy model due to ingress: default/sd21: actions.weighted-routing ValidationError",
      "FailedDeployModel",
    );
    expect(rejectsWrittenRouting(event, WRITTEN)).toBe(false);
  });
});
