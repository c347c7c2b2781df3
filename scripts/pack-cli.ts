// `npm run pack:cli`: the `switchyard` command as an npm package anyone can install,
// `npm install <tarball>`, with no TypeScript loader and nothing of this repository:
// packages/cli's entry bundled by esbuild with the workspace packages and every
// pure-JavaScript dependency, for Node 22.19 and later. Only @resvg/resvg-js stays out
// (a native addon: its JavaScript picks a prebuilt binary per platform from its optional
// dependencies, which esbuild cannot bundle); it is the package's one dependency, pinned
// to the version package-lock.json holds (its platform packages are pinned by its own
// manifest, so an install takes exactly what this repository tested). Prints the
// tarball's path as its last line.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The installed name; `@switchyard/cli` was free on the npm registry (`npm view` answers E404). */
export const CLI_PACKAGE_NAME = "@switchyard/cli";

/** The one package left out of the bundle: a native addon, resolved per platform at install. */
const NATIVE = "@resvg/resvg-js";

/** ESM output still meets `require()` in bundled CommonJS packages; give it Node's. */
const ESM_BANNER = [
  `import { createRequire as __switchyardCreateRequire } from "node:module";`,
  "const require = __switchyardCreateRequire(import.meta.url);",
].join("\n");

interface LockEntry {
  readonly version: string;
  readonly integrity?: string;
}

type Lock = { readonly packages: Readonly<Record<string, LockEntry>> };

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

/** A package as package-lock.json holds it; the pack fails if the lock does not. */
function locked(lock: Lock, name: string): LockEntry {
  const entry = lock.packages[`node_modules/${name}`];
  if (entry === undefined || entry.integrity === undefined) {
    throw new Error(`package-lock.json has no integrity-checked ${name}; run npm install to lock it`);
  }
  return entry;
}

interface BundledPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  /** The package's own licence file(s), as it ships them. */
  readonly texts: readonly string[];
}

/** The npm packages esbuild put in the bundle, with their licences, for THIRD-PARTY-NOTICES.md. */
function bundledPackages(metafile: Metafile): BundledPackage[] {
  const found = new Map<string, BundledPackage>();
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf("node_modules/");
    if (at === -1) continue;
    const [first, second] = input.slice(at + "node_modules/".length).split("/");
    const name = first?.startsWith("@") ? `${first}/${second}` : (first as string);
    const directory = join(root, input.slice(0, at), "node_modules", name);
    const manifest = readJson<{ name: string; version: string; license?: unknown }>(
      join(directory, "package.json"),
    );
    const key = `${manifest.name}@${manifest.version}`;
    if (found.has(key)) continue;
    const texts = readdirSync(directory)
      .filter((file) => /^(licen[cs]e|copying|notice)/i.test(file))
      .sort()
      .map((file) => readFileSync(join(directory, file), "utf8").trim());
    found.set(key, {
      name: manifest.name,
      version: manifest.version,
      license: typeof manifest.license === "string" ? manifest.license : "see the package",
      texts,
    });
  }
  return [...found.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version),
  );
}

function notices(packages: readonly BundledPackage[]): string {
  const sections = packages.map((p) =>
    [
      `## ${p.name} ${p.version}`,
      "",
      `Licence: ${p.license}`,
      ...p.texts.flatMap((t) => ["", "```text", t, "```"]),
    ].join("\n"),
  );
  return `# Third-party packages bundled in bin/\n\n${sections.join("\n\n")}\n`;
}

/** Builds the package in `<out>/package` and packs it into `<out>`; returns the tarball's path. */
export async function packCli(out: string = join(root, "dist", "cli")): Promise<string> {
  const lock = readJson<Lock>(join(root, "package-lock.json"));
  const cli = readJson<{ version: string; description?: string }>(
    join(root, "packages", "cli", "package.json"),
  );
  const top = readJson<{ description: string; license: string; engines: { node: string } }>(
    join(root, "package.json"),
  );
  const staging = join(out, "package");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  const { metafile } = await build({
    entryPoints: { switchyard: join(root, "packages", "cli", "src", "bin.ts") },
    absWorkingDir: root,
    outdir: join(staging, "bin"),
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    // status, pin and unpin load the AWS SDK and client-node only when they run.
    splitting: true,
    format: "esm",
    platform: "node",
    // The oldest Node of `engines`.
    target: "node22.19",
    mainFields: ["module", "main"],
    external: [NATIVE],
    banner: { js: ESM_BANNER },
    // Licence comments go to the notices, not into the code.
    legalComments: "none",
    keepNames: true,
    minifySyntax: true,
    minifyWhitespace: true,
    sourcemap: false,
    metafile: true,
    logLevel: "warning",
  });

  const manifest = {
    name: CLI_PACKAGE_NAME,
    version: cli.version,
    description: top.description,
    license: top.license,
    type: "module",
    bin: { switchyard: "bin/switchyard.mjs" },
    files: ["bin", "README.md", "THIRD-PARTY-NOTICES.md"],
    engines: top.engines,
    dependencies: { [NATIVE]: locked(lock, NATIVE).version },
  };
  writeFileSync(join(staging, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(root, "docs", "install.md"), join(staging, "README.md"));
  writeFileSync(join(staging, "THIRD-PARTY-NOTICES.md"), notices(bundledPackages(metafile)));

  const packed = execFileSync("npm", ["pack", "--json", "--pack-destination", out], {
    cwd: staging,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [{ filename }] = JSON.parse(packed) as [{ filename: string }];
  return join(out, filename);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tarball = await packCli();
  process.stdout.write(`${tarball}\n`);
}
