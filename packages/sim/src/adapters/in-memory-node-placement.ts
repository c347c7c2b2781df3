import type { NodeCell } from "@switchyard/core";
import type { NodePlacementReader } from "@switchyard/core/ports";
import type { EnvironmentModel } from "../model/environment.ts";

/**
 * DescribeInstances of the running nodes, as the simulator has them: one node per pod
 * that has one (launched: starting or ready), at its offering's zone and capacity type.
 * Pods of a unit without zones stand in no zone and are left out, as the deployed reader
 * is asked only for zoned Spot units' instance types. One cluster: every node is its own.
 */
export class InMemoryNodePlacement implements NodePlacementReader {
  readonly #env: EnvironmentModel;

  constructor(env: EnvironmentModel) {
    this.#env = env;
  }

  async nodeCells(_cluster: string, instanceTypes: readonly string[]): Promise<readonly NodeCell[]> {
    const counts = new Map<string, NodeCell>();
    for (const deployment of this.#env.deployments.values()) {
      for (const pod of deployment.pods) {
        const zone = pod.offering?.zone ?? null;
        const type = pod.instanceType;
        if (pod.launchedAt === null || zone === null || type === null || !instanceTypes.includes(type)) {
          continue;
        }
        const capacityType = pod.offering?.capacityType ?? "on-demand";
        const key = `${type} ${zone} ${capacityType}`;
        counts.set(key, {
          instanceType: type,
          availabilityZone: zone,
          capacityType,
          nodes: (counts.get(key)?.nodes ?? 0) + 1,
        });
      }
    }
    return [...counts.values()];
  }
}
