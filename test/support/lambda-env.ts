import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployedConfigDocument, type SwitchyardConfig } from "@switchyard/core";
import { acceptsEksToken } from "./eks-authenticator.ts";
import { KubeApiDouble } from "./kube-api-double.ts";
import { repoPath } from "./paths.ts";
import { sd21Config } from "./sd21.ts";

export const STATE_MACHINE_ARN =
  "arn:aws:states:us-west-2:123456789012:stateMachine:switchyard-dev-ModeSwitch";

/**
 * The environment a deployed function sees: the validated config as JSON next to it,
 * the state machine's ARN, a region and (fake) credentials to sign the EKS token with.
 */
export function useLambdaEnvironment(config: SwitchyardConfig = sd21Config()): string {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-fn-"));
  const file = join(dir, "switchyard.config.json");
  writeFileSync(file, deployedConfigDocument(config, "examples/sd21/switchyard.yaml"));
  Object.assign(process.env, {
    SWITCHYARD_CONFIG_FILE: file,
    STATE_MACHINE_ARN,
    AWS_REGION: "us-west-2",
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_DEV: "false",
  });
  return file;
}

/** The API double over HTTPS with the test CA, authenticating EKS tokens as EKS does. */
export function eksApiDouble(): KubeApiDouble {
  return new KubeApiDouble({
    authenticate: acceptsEksToken,
    tls: {
      key: readFileSync(repoPath("test/fixtures/tls/server.key"), "utf8"),
      cert: readFileSync(repoPath("test/fixtures/tls/server.pem"), "utf8"),
    },
  });
}

/** DescribeCluster's answer for the double: its URL and the test CA as base64 PEM. */
export function describeClusterFor(double: KubeApiDouble, name = "hw-agnostic-infer") {
  return {
    cluster: {
      name,
      endpoint: double.url,
      status: "ACTIVE" as const,
      certificateAuthority: {
        data: Buffer.from(readFileSync(repoPath("test/fixtures/tls/ca.pem"), "utf8")).toString("base64"),
      },
    },
  };
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}
