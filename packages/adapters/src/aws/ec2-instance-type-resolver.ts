import type { Logger } from "@aws-lambda-powertools/logger";
import type { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { instanceClusterOf, type NodeCell } from "@switchyard/core";
import type { InstanceTypeResolver, NodePlacementReader, ResolvedInstance } from "@switchyard/core/ports";
import { AwsCallError } from "../errors.ts";
import { awsErrorName, isTransientAwsError } from "./aws-fault.ts";
import { summarizeSdkError } from "./sdk-error-summary.ts";

/** The EC2 SDK the resolver sends with: a client created once per container, and the one command it sends. */
export interface Ec2Sdk {
  readonly client: EC2Client;
  readonly DescribeInstancesCommand: typeof DescribeInstancesCommand;
}

interface Ec2InstanceTypeResolverOptions {
  /**
   * The SDK, or how to load it once, when the first Spot warning needs it: the EC2 SDK
   * is a sixth of the evaluate bundle and only this rare path uses it, so the handler
   * imports it there (a chunk of its own in the split bundle). Nothing here imports the
   * EC2 SDK at run time, or every bundle with the adapters would carry that chunk.
   */
  readonly sdk: Ec2Sdk | (() => Promise<Ec2Sdk>);
  /** A child logger is made from it, keyed with this adapter's name. */
  readonly logger?: Logger;
}

/**
 * EC2's answers for an instance id it does not know (never launched, or terminated long
 * ago) and for one that is not an instance id at all: either way, no instance to count.
 */
const NO_SUCH_INSTANCE = new Set(["InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"]);

/**
 * Resolves the instance a Spot interruption warning names to its instance type, zone and
 * tags, and counts a cluster's running nodes of some instance types by zone and capacity
 * type — both with DescribeInstances, no other action.
 */
export class Ec2InstanceTypeResolver implements InstanceTypeResolver, NodePlacementReader {
  /** What the evaluate function's role must allow for this adapter. */
  static readonly iamActions = ["ec2:DescribeInstances"] as const;

  readonly #sdk: Ec2Sdk | (() => Promise<Ec2Sdk>);
  readonly #logger: Logger | undefined;

  constructor(options: Ec2InstanceTypeResolverOptions) {
    this.#sdk = options.sdk;
    this.#logger = options.logger?.createChild({ persistentKeys: { adapter: "Ec2InstanceTypeResolver" } });
  }

  async instanceOf(instanceId: string): Promise<ResolvedInstance | null> {
    try {
      const { client, DescribeInstancesCommand } =
        typeof this.#sdk === "function" ? await this.#sdk() : this.#sdk;
      const output = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = (output.Reservations ?? [])
        .flatMap((reservation) => reservation.Instances ?? [])
        .find((candidate) => candidate.InstanceId === instanceId);
      if (instance?.InstanceType === undefined) {
        return null;
      }
      const tags: Record<string, string> = {};
      for (const tag of instance.Tags ?? []) {
        if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
      }
      const zone = instance.Placement?.AvailabilityZone;
      return {
        instanceType: instance.InstanceType,
        tags,
        ...(zone === undefined ? {} : { availabilityZone: zone }),
      };
    } catch (error) {
      const name = awsErrorName(error);
      if (NO_SUCH_INSTANCE.has(name)) {
        this.#logger?.warn("instance not found", { instanceId, errorCode: name });
        return null;
      }
      throw new AwsCallError(
        `EC2 DescribeInstances for ${instanceId} failed after the SDK's retries: ${summarizeSdkError(error)}. Check that the function's role allows ec2:DescribeInstances.`,
        { retryable: isTransientAwsError(error), cause: error },
      );
    }
  }

  /**
   * The running instances of `instanceTypes` that are nodes of `cluster` (their
   * kubernetes.io/cluster/<name> or eks:cluster-name tag, as Karpenter and managed node
   * groups tag them), counted by zone and capacity type: `InstanceLifecycle` is "spot"
   * for a Spot Instance and absent for on-demand (EC2 API Reference, Instance).
   * DescribeInstances pages through them (at most 1,000 a page).
   */
  async nodeCells(cluster: string, instanceTypes: readonly string[]): Promise<readonly NodeCell[]> {
    if (instanceTypes.length === 0) {
      return [];
    }
    const counts = new Map<string, NodeCell>();
    try {
      const { client, DescribeInstancesCommand } =
        typeof this.#sdk === "function" ? await this.#sdk() : this.#sdk;
      let nextToken: string | undefined;
      do {
        const output = await client.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: "instance-type", Values: [...instanceTypes] },
              { Name: "instance-state-name", Values: ["running"] },
            ],
            MaxResults: 1000,
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        );
        for (const instance of (output.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
          const zone = instance.Placement?.AvailabilityZone;
          if (instance.InstanceType === undefined || zone === undefined) continue;
          const tags: Record<string, string> = {};
          for (const tag of instance.Tags ?? []) {
            if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
          }
          if (instanceClusterOf(tags, cluster).kind !== "this") continue;
          const capacityType = instance.InstanceLifecycle === "spot" ? "spot" : "on-demand";
          const key = `${instance.InstanceType} ${zone} ${capacityType}`;
          const known = counts.get(key);
          counts.set(key, {
            instanceType: instance.InstanceType,
            availabilityZone: zone,
            capacityType,
            nodes: (known?.nodes ?? 0) + 1,
          });
        }
        nextToken = output.NextToken;
      } while (nextToken !== undefined && nextToken !== "");
    } catch (error) {
      throw new AwsCallError(
        `EC2 DescribeInstances of the running ${instanceTypes.join(", ")} nodes failed after the SDK's retries: ${summarizeSdkError(error)}. Check that the function's role allows ec2:DescribeInstances.`,
        { retryable: isTransientAwsError(error), cause: error },
      );
    }
    return [...counts.values()].sort(
      (a, b) =>
        a.instanceType.localeCompare(b.instanceType) ||
        a.availabilityZone.localeCompare(b.availabilityZone) ||
        a.capacityType.localeCompare(b.capacityType),
    );
  }
}
