import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DEPLOYED_CONFIG_FILE, readDeployedConfig } from "@switchyard/core";
import { afterEach, describe, expect, it } from "vitest";
import { CONFIG_ENV, readDeployConfig, writeDeployedConfig } from "../../../infra/config.ts";
import { repoPath } from "../../support/paths.ts";
import { sd21Config } from "../../support/sd21.ts";

const ROOT = repoPath("");

describe("Deploy config: infra/config.ts", () => {
  const previous = process.env[CONFIG_ENV];
  afterEach(() => {
    if (previous === undefined) delete process.env[CONFIG_ENV];
    else process.env[CONFIG_ENV] = previous;
  });

  it("deploys examples/sd21 when SWITCHYARD_CONFIG is not set", () => {
    delete process.env[CONFIG_ENV];
    const deploy = readDeployConfig(ROOT);
    expect(deploy.source).toBe("examples/sd21/switchyard.yaml");
    expect(deploy.config).toEqual(sd21Config());
  });

  it("fails the deploy with every error of a bad config, before any resource", () => {
    process.env[CONFIG_ENV] = "test/fixtures/configs/four-errors.yaml";
    let error: unknown;
    try {
      readDeployConfig(ROOT);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toHaveLength(4);
    expect((error as ConfigError).message).toMatch(/^test\/fixtures\/configs\/four-errors\.yaml: 4 errors\n/);
  });

  it("reads a config given by absolute path, outside the app's root, as given", () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "switchyard-config-"));
    const path = join(elsewhere, "prod-b.yaml");
    writeFileSync(
      path,
      readFileSync(repoPath("examples/sd21/switchyard.yaml"), "utf8").replace(
        "hw-agnostic-infer",
        "inference-b",
      ),
    );
    process.env[CONFIG_ENV] = path;
    const deploy = readDeployConfig(ROOT);
    expect(deploy.source).toBe(path);
    expect(deploy.config.cluster.name).toBe("inference-b");
  });

  it("names the variable to set when the file cannot be read", () => {
    process.env[CONFIG_ENV] = "no/such/switchyard.yaml";
    expect(() => readDeployConfig(ROOT)).toThrow(
      /SWITCHYARD_CONFIG=no\/such\/switchyard\.yaml: cannot read the Switchyard config .*set SWITCHYARD_CONFIG to your switchyard\.yaml/,
    );
  });

  it("writes the validated config as the JSON the functions read, under .sst/", () => {
    delete process.env[CONFIG_ENV];
    const root = mkdtempSync(join(tmpdir(), "switchyard-deploy-"));
    const deploy = readDeployConfig(ROOT);
    const written = writeDeployedConfig(deploy, root, "prod-a");
    expect(written).toBe(join(".sst", "switchyard", "prod-a", DEPLOYED_CONFIG_FILE));
    const text = readFileSync(join(root, written), "utf8");
    expect(readDeployedConfig(text, written)).toEqual(deploy.config);
  });
});
