import { describe, expect, it } from "vitest";
import { readRepoFile } from "../support/paths.ts";

// `npm ci` warns EBADENGINE for every installed package whose `engines.node` the running
// Node does not satisfy (npm's arborist checks each node of the tree). So the Node the
// README states, package.json's `engines`, must be one every locked package accepts.

type Version = readonly [number, number, number];

/**
 * Whether `version` satisfies a node-semver range of the forms the lockfile uses:
 * `||` alternatives of space-separated `>=`, `>`, `<`, `<=`, `^` or exact comparators.
 * Anything else throws, so an unknown form fails the test instead of passing it.
 */
function satisfies(version: Version, range: string): boolean {
  return range.split("||").some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|\^|=)\s+/g, "$1")
      .split(/\s+/)
      .every((comparator) => {
        const match = /^(>=|<=|>|<|\^|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
        if (match === null) {
          throw new Error(`unsupported engines range ${JSON.stringify(range)} (comparator ${comparator})`);
        }
        const [, op = "=", major, rawMinor, rawPatch] = match;
        // `x` and `*` stand for any: `10.*` is `>=10.0.0 <11`, `>= 10.*` is `>=10.0.0`.
        const minor = rawMinor === "x" || rawMinor === "*" ? undefined : rawMinor;
        const patch = rawPatch === "x" || rawPatch === "*" ? undefined : rawPatch;
        const bound: Version = [Number(major), Number(minor ?? 0), Number(patch ?? 0)];
        const c = compare(version, bound);
        switch (op) {
          case ">=":
            return c >= 0;
          case ">":
            return c > 0;
          case "<":
            return c < 0;
          case "<=":
            return c <= 0;
          case "^":
            return c >= 0 && version[0] === bound[0];
          default:
            if (minor === undefined) {
              return version[0] === bound[0];
            }
            return patch === undefined ? version[0] === bound[0] && version[1] === bound[1] : c === 0;
        }
      }),
  );
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The first release of every minor line from Node 18 to 30 that the range admits. */
function admitted(range: string): Version[] {
  const versions: Version[] = [];
  for (let major = 18; major <= 30; major += 1) {
    for (let minor = 0; minor <= 40; minor += 1) {
      if (satisfies([major, minor, 0], range)) {
        versions.push([major, minor, 0]);
      }
    }
  }
  return versions;
}

describe("package.json: engines", () => {
  const root = JSON.parse(readRepoFile("package.json")) as { engines: { node: string } };
  const lock = JSON.parse(readRepoFile("package-lock.json")) as {
    packages: Record<string, { engines?: { node?: string } | string[] }>;
  };

  it("admits only Node versions every package in package-lock.json accepts, so npm ci prints no EBADENGINE", () => {
    const versions = admitted(root.engines.node);
    expect(versions.length).toBeGreaterThan(0);

    const refused = versions.flatMap((version) =>
      Object.entries(lock.packages).flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range === undefined || satisfies(version, range)
          ? []
          : [`${version.join(".")}: ${path} (${range})`];
      }),
    );

    expect(refused).toEqual([]);
  });

  it("is the Node version the README tells a user to install", () => {
    expect(readRepoFile("README.md")).toContain(`\`${root.engines.node}\``);
  });

  it.each([
    ["^22.19.0 || ^24.0.0 || >=26.0.0", [22, 19, 0], true],
    ["^22.19.0 || ^24.0.0 || >=26.0.0", [23, 11, 0], false],
    ["^22.19.0 || ^24.0.0 || >=26.0.0", [20, 20, 2], false],
    [">=22", [24, 1, 0], true],
    [">=22.19.0", [22, 18, 0], false],
    ["^20.19.0 || >=22.12.0", [20, 20, 0], true],
    ["6.* || 8.* || >= 10.*", [24, 0, 0], true],
    ["8.*", [9, 0, 0], false],
  ] as const)("reads %s for Node %j as %s", (range, version, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});
