import type { Logger } from "@aws-lambda-powertools/logger";
import type { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import type { InstanceTypeResolver, ResolvedInstance } from "@switchyard/core";
import { AwsCallError } from "../errors.ts";
import { awsErrorName, isTransientAwsError } from "./aws-fault.ts";
import { summarizeSdkError } from "./sdk-error-summary.ts";

/** The EC2 SDK the resolver sends with: a client created once per container, and the one command it sends. */
export interface Ec2Sdk {
  readonly client: EC2Client;
  readonly DescribeInstancesCommand: typeof DescribeInstancesCommand;
}

export interface Ec2InstanceTypeResolverOptions {
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

/** Resolves the instance a Spot interruption warning names to its instance type, zone and tags (one call, no extra action). */
export class Ec2InstanceTypeResolver implements InstanceTypeResolver {
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
}
