import { DescribeInstancesCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { AwsCallError, Ec2InstanceTypeResolver } from "@switchyard/adapters";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import "../../support/aws-sdk-matchers.ts";

const INSTANCE = "i-0c4f8e2a7b19d3e56";

const ec2Error = (name: string, httpStatusCode: number, message: string) =>
  new EC2ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode },
    message,
  });

describe("Class: Ec2InstanceTypeResolver", () => {
  const ec2 = mockClient(EC2Client);
  const client = new EC2Client({ region: "us-east-1" });
  const resolver = () => new Ec2InstanceTypeResolver({ sdk: { client, DescribeInstancesCommand } });

  afterEach(() => {
    ec2.reset();
  });

  it("declares the IAM action it calls", () => {
    // Assess
    expect(Ec2InstanceTypeResolver.iamActions).toEqual(["ec2:DescribeInstances"]);
  });

  it("returns the type, zone and tags DescribeInstances reports for the instance", async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand, { InstanceIds: [INSTANCE] }).resolves({
      Reservations: [
        {
          ReservationId: "r-0a1b2c3d4e5f60718",
          Instances: [
            {
              InstanceId: INSTANCE,
              InstanceType: "inf2.xlarge",
              InstanceLifecycle: "spot",
              // A warning whose ARN names the Region takes the zone from here.
              Placement: { AvailabilityZone: "us-west-2b" },
              // The tags an EKS managed node group puts on its instances.
              Tags: [
                { Key: "eks:cluster-name", Value: "hw-agnostic-infer" },
                { Key: "eks:nodegroup-name", Value: "inf2-spot" },
                { Key: "kubernetes.io/cluster/hw-agnostic-infer", Value: "owned" },
              ],
            },
          ],
        },
      ],
    });

    // Act
    const instance = await resolver().instanceOf(INSTANCE);

    // Assess
    expect(instance).toEqual({
      instanceType: "inf2.xlarge",
      availabilityZone: "us-west-2b",
      tags: {
        "eks:cluster-name": "hw-agnostic-infer",
        "eks:nodegroup-name": "inf2-spot",
        "kubernetes.io/cluster/hw-agnostic-infer": "owned",
      },
    });
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(DescribeInstancesCommand, { InstanceIds: [INSTANCE] });
  });

  it("returns null for an instance EC2 does not know (InvalidInstanceID.NotFound)", async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .rejects(ec2Error("InvalidInstanceID.NotFound", 400, `The instance ID '${INSTANCE}' does not exist`));

    // Act
    const instanceType = await resolver().instanceOf(INSTANCE);

    // Assess
    expect(instanceType).toBeNull();
  });

  it("returns null when DescribeInstances lists no such instance", async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

    // Act
    const instanceType = await resolver().instanceOf(INSTANCE);

    // Assess
    expect(instanceType).toBeNull();
  });

  it.each([
    ["RequestLimitExceeded", 503, true],
    ["UnauthorizedOperation", 403, false],
  ])(
    "wraps %s in an AwsCallError (retryable: %s) that names the IAM action",
    async (name, status, retryable) => {
      // Prepare
      const cause = ec2Error(name, status, "refused");
      ec2.on(DescribeInstancesCommand).rejects(cause);

      // Act
      const failure = await resolver()
        .instanceOf(INSTANCE)
        .catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(AwsCallError);
      expect(failure).toMatchObject({ name: "AwsCallError", code: "AWS_CALL_FAILED", retryable, cause });
      expect((failure as Error).message).toContain(`DescribeInstances for ${INSTANCE} failed`);
      expect((failure as Error).message).toContain(`${name}: refused (HTTP ${status})`);
      expect((failure as Error).message).toContain("ec2:DescribeInstances");
    },
  );

  it("counts the cluster's running nodes of the instance types by zone and capacity type, page by page", async () => {
    // Prepare
    const node = (id: string, zone: string, spot: boolean, cluster = "hw-agnostic-infer") => ({
      InstanceId: id,
      InstanceType: "inf2.xlarge" as const,
      ...(spot ? { InstanceLifecycle: "spot" as const } : {}),
      Placement: { AvailabilityZone: zone },
      // Karpenter tags its nodes with the cluster's eks:eks-cluster-name.
      Tags: [{ Key: "eks:eks-cluster-name", Value: cluster }],
    });
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          { Instances: [node("i-1", "us-west-2b", true), node("i-2", "us-west-2b", true)] },
          { Instances: [node("i-3", "us-west-2a", false)] },
        ],
        NextToken: "page-2",
      })
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              node("i-4", "us-west-2b", true),
              // Another cluster's node of the same type is not this cluster's pods.
              node("i-5", "us-west-2a", true, "other-cluster"),
            ],
          },
        ],
      });

    // Act
    const cells = await resolver().nodeCells("hw-agnostic-infer", ["inf2.xlarge"]);

    // Assess
    expect(cells).toEqual([
      { instanceType: "inf2.xlarge", availabilityZone: "us-west-2a", capacityType: "on-demand", nodes: 1 },
      { instanceType: "inf2.xlarge", availabilityZone: "us-west-2b", capacityType: "spot", nodes: 3 },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 1, {
      Filters: [
        { Name: "instance-type", Values: ["inf2.xlarge"] },
        { Name: "instance-state-name", Values: ["running"] },
      ],
      MaxResults: 1000,
    });
    expect(ec2).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 2, {
      Filters: [
        { Name: "instance-type", Values: ["inf2.xlarge"] },
        { Name: "instance-state-name", Values: ["running"] },
      ],
      MaxResults: 1000,
      NextToken: "page-2",
    });
  });

  it("wraps a failed count of the nodes in an AwsCallError that names the IAM action", async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(ec2Error("UnauthorizedOperation", 403, "refused"));

    // Act
    const failure = await resolver()
      .nodeCells("hw-agnostic-infer", ["inf2.xlarge"])
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(AwsCallError);
    expect((failure as Error).message).toContain("DescribeInstances of the running inf2.xlarge nodes failed");
    expect((failure as Error).message).toContain("ec2:DescribeInstances");
  });
});
