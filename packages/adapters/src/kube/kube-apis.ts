import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObjectApi,
  type V1APIResourceList,
} from "@kubernetes/client-node";
import { SwitchyardError } from "@switchyard/core";
import { ClusterAccessError } from "../errors.ts";
import type { KubeConfigSource } from "./kube-config.ts";
import { statusCodeOf } from "./kube-errors.ts";
import type { KubeLogger } from "./kube-request.ts";
import { SharedDiscoveryObjectApi } from "./shared-discovery.ts";

/** The clients of one KubeConfig (one bearer token). */
export interface KubeApis {
  /** The config the clients were made from: handed back as refused on a 401. */
  readonly config: KubeConfig;
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
}

/**
 * The cluster's clients for each operation, from the KubeConfig source, with the token
 * renewed when the API server refuses it. Discovery answers by group/version are the same
 * for every token, so they are kept across configs for this object's life.
 */
export class RenewingKubeApis {
  readonly #kubeConfig: KubeConfigSource;
  readonly #logger: KubeLogger;
  readonly #discovery: Record<string, V1APIResourceList> = {};

  constructor(kubeConfig: KubeConfigSource, logger: KubeLogger) {
    this.#kubeConfig = kubeConfig;
    this.#logger = logger;
  }

  /**
   * Runs one operation with the cluster's clients. When the API server refuses the token
   * (401), the config is handed back as refused, so a new token is signed, and the
   * operation runs once more: a refused request changed nothing, and every write is
   * guarded by what it read. An EKS token can be refused long before its renewal (the
   * signing credentials' session ended, the access entry changed); reusing it would fail
   * every request until then. A second 401 is thrown as it came.
   */
  async run<T>(operation: (apis: KubeApis) => Promise<T>): Promise<T> {
    const apis = await this.#apis();
    try {
      return await operation(apis);
    } catch (error) {
      if (statusCodeOf(error instanceof SwitchyardError ? error.cause : error) !== 401) {
        throw error;
      }
      this.#logger.warn("token-refused-retrying", { status: 401 });
      return await operation(await this.#apis(apis.config));
    }
  }

  async #apis(refused?: KubeConfig): Promise<KubeApis> {
    let config: KubeConfig;
    try {
      config = await this.#kubeConfig(refused);
    } catch (error) {
      if (error instanceof SwitchyardError) {
        throw error;
      }
      throw new ClusterAccessError(
        `could not get the cluster's endpoint, CA or token: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: true, cause: error },
      );
    }
    try {
      return {
        config,
        objects: config.makeApiClient(SharedDiscoveryObjectApi).sharing(this.#discovery),
        custom: config.makeApiClient(CustomObjectsApi),
      };
    } catch (error) {
      throw new ClusterAccessError(
        `the Kubernetes client config is unusable: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: false, cause: error },
      );
    }
  }
}
