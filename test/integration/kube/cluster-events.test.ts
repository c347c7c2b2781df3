import { Logger } from "@aws-lambda-powertools/logger";
import { KubernetesClusterGateway } from "@switchyard/adapters";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiDouble } from "../../support/kube-api-double.ts";
import {
  clusterEvent,
  ingressEvent,
  insufficientCapacityMessage,
  karpenterEvent,
  seedSd21,
} from "../../support/kube-objects.ts";
import { sd21Service } from "../../support/sd21.ts";

const PATCHED_AT = Date.parse("2026-11-14T21:20:00Z");
const silent = () => new Logger({ serviceName: "switchyard-test", logLevel: "SILENT" });

describe("Class: KubernetesClusterGateway", () => {
  let double: KubeApiDouble;
  let gateway: KubernetesClusterGateway;
  const service = sd21Service();

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    seedSd21(double);
    gateway = new KubernetesClusterGateway({ kubeConfig: async () => double.kubeConfig(), logger: silent() });
  });

  afterEach(async () => {
    await double.stop();
  });

  describe("Method: ingressEvents", () => {
    it("lists the Ingress's events in one request and keeps those at or after `since`, oldest first", async () => {
      // Prepare
      double.put(
        ingressEvent({ ingress: "sd21", reason: "SuccessfullyReconciled", at: "2026-11-14T20:00:00Z" }),
      );
      double.put(
        ingressEvent({
          ingress: "sd21",
          reason: "FailedDeployModel",
          message:
            "Failed deploy model due to operation error Elastic Load Balancing v2: ModifyRule, https response error StatusCode: 400, api error ValidationError: 1 validation error detected: Value '1000' at 'actions.1.member.forwardConfig.targetGroups.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 999",
          at: "2026-11-14T19:00:00Z",
          lastAt: "2026-11-14T21:21:00Z",
          count: 6,
        }),
      );
      double.put(
        ingressEvent({ ingress: "sd21", reason: "SuccessfullyReconciled", at: "2026-11-14T21:20:00Z" }),
      );
      double.put(ingressEvent({ ingress: "other", reason: "FailedBuildModel", at: "2026-11-14T21:22:00Z" }));
      double.clearRequests();

      // Act
      const events = await gateway.ingressEvents(service, PATCHED_AT);

      // Assess
      expect(events).toEqual([
        {
          reason: "SuccessfullyReconciled",
          message: "Successfully reconciled",
          type: "Normal",
          involvedObject: { kind: "Ingress", name: "sd21", namespace: "default" },
          at: PATCHED_AT,
          count: 1,
        },
        expect.objectContaining({
          reason: "FailedDeployModel",
          at: Date.parse("2026-11-14T21:21:00Z"),
          count: 6,
        }),
      ]);
      expect(double.requests.map((r) => [r.verb, r.resource, r.namespace, r.query])).toEqual([
        [
          "list",
          "events",
          "default",
          { fieldSelector: "involvedObject.kind=Ingress,involvedObject.name=sd21" },
        ],
      ]);
    });

    it("dates an events.k8s.io event, which has only eventTime, by that time", async () => {
      // Prepare
      const base = ingressEvent({ ingress: "sd21", reason: "FailedBuildModel", at: "2026-11-14T21:00:00Z" });
      double.put({
        ...base,
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: "2026-11-14T21:25:00.250000Z",
        series: { count: 3, lastObservedTime: "2026-11-14T21:25:00.250000Z" },
      });

      // Act
      const events = await gateway.ingressEvents(service, PATCHED_AT);

      // Assess
      expect(events.map((e) => [e.reason, e.at])).toEqual([
        ["FailedBuildModel", Date.parse("2026-11-14T21:25:00.250Z")],
      ]);
    });
    it("dates a recurring events.k8s.io event by its series' lastObservedTime, not its first eventTime", async () => {
      // Prepare: the events/v1 recorder writes eventTime once and records each repeat in
      // series (client-go tools/events/event_broadcaster.go); the repeat is after the patch.
      // Its core/v1 view has no count: the series holds it (deprecatedCount is unset).
      const { count: _count, ...base } = ingressEvent({
        ingress: "sd21",
        reason: "FailedBuildModel",
        at: "2026-11-14T21:00:00Z",
      });
      double.put({
        ...base,
        message: "Failed build model due to couldn't auto-discover subnets: UnauthorizedOperation",
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: "2026-11-14T21:00:00.000000Z",
        series: { count: 7, lastObservedTime: "2026-11-14T21:24:30.000000Z" },
      });

      // Act
      const events = await gateway.ingressEvents(service, PATCHED_AT);

      // Assess
      expect(events.map((e) => [e.reason, e.at, e.count])).toEqual([
        ["FailedBuildModel", Date.parse("2026-11-14T21:24:30Z"), 7],
      ]);
    });
  });

  describe("Method: capacityEvents", () => {
    it("turns Karpenter's recent InsufficientCapacityError events in one LIST into capacity signals", async () => {
      // Prepare
      double.put(
        karpenterEvent({
          nodeClaim: "inf2-pool-old",
          message: insufficientCapacityMessage("inf2-pool-old", "inf2.xlarge", "us-west-2a"),
          at: "2026-11-14T20:00:00Z",
        }),
      );
      double.put(
        karpenterEvent({
          nodeClaim: "inf2-pool-x7k2p",
          message: insufficientCapacityMessage("inf2-pool-x7k2p", "inf2.xlarge", "us-west-2a"),
          at: "2026-11-14T21:10:00Z",
          lastAt: "2026-11-14T21:22:00Z",
          count: 3,
        }),
      );
      double.put(
        karpenterEvent({
          nodeClaim: "any-pool-q8w3e",
          message:
            "NodeClaim any-pool-q8w3e event: insufficient capacity, all requested instance types were unavailable during launch",
          at: "2026-11-14T21:23:00Z",
        }),
      );
      double.put(
        clusterEvent({
          involvedObject: { apiVersion: "v1", kind: "Pod", name: "sd21-inf2-a", namespace: "default" },
          reason: "FailedScheduling",
          message: "0/6 nodes are available",
          type: "Warning",
          component: "default-scheduler",
          firstTimestamp: "2026-11-14T21:23:00Z",
        }),
      );
      double.clearRequests();

      // Act
      const signals = await gateway.capacityEvents(PATCHED_AT);

      // Assess
      expect(signals).toEqual([
        {
          instanceType: "inf2.xlarge",
          at: Date.parse("2026-11-14T21:22:00Z"),
          source: "karpenter-event",
          code: "InsufficientInstanceCapacity",
          count: 3,
          availabilityZone: "us-west-2a",
          detail: "NodeClaim inf2-pool-x7k2p",
        },
      ]);
      expect(double.requests.map((r) => [r.verb, r.resource, r.namespace, r.query])).toEqual([
        ["list", "events", "default", { fieldSelector: "reason=InsufficientCapacityError" }],
      ]);
    });

    it("reads the namespace it is told Karpenter's events land in", async () => {
      // Prepare
      const elsewhere = new KubernetesClusterGateway({
        kubeConfig: async () => double.kubeConfig(),
        logger: silent(),
        karpenterEventNamespace: "karpenter",
      });
      double.put({
        ...karpenterEvent({
          nodeClaim: "trn1-pool-9qzdf",
          message: insufficientCapacityMessage("trn1-pool-9qzdf", "trn1.2xlarge", "us-west-2c"),
          at: "2026-11-14T21:21:00Z",
        }),
        metadata: { name: "trn1-pool-9qzdf.18a0", namespace: "karpenter" },
      });

      // Act
      const fromDefault = await gateway.capacityEvents(PATCHED_AT);
      const fromKarpenter = await elsewhere.capacityEvents(PATCHED_AT);

      // Assess
      expect(fromDefault).toEqual([]);
      expect(fromKarpenter.map((s) => [s.instanceType, s.availabilityZone])).toEqual([
        ["trn1.2xlarge", "us-west-2c"],
      ]);
    });
  });
});
