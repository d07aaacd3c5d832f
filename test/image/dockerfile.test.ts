// No container engine runs here, so the image is checked where it can be: the Dockerfile's promises.
// test/preflight/preflight-bundle.test.ts runs the bundle it copies, on its own, against the emulator.
import { access, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildBundles } from "../../scripts/build-preflight.ts";
import { preflightEntrypoint } from "../../src/local-cluster/project-images.ts";

const dockerfile = await readFile(new URL("../../Dockerfile", import.meta.url), "utf8");
const buildScript = await readFile(new URL("../../scripts/build-preflight.ts", import.meta.url), "utf8");
const packageJson = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
  scripts: Record<string, string>;
};
const stages = dockerfile.split(/^FROM /m).slice(1);
const final = stages.at(-1) ?? "";

describe("Dockerfile", () => {
  it("builds on Node 24 and ships on a distroless Node 24 with no shell, as a non-root user", () => {
    expect(stages[0]).toMatch(/^node:24[-.\w]*/);
    expect(final).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12:nonroot/);
    expect(final).toMatch(/^USER 65532:65532$/m);
  });

  it("copies only the two launchers, their bundles and licences, and their caches into the final image", () => {
    const copies = final.match(/^COPY .*$/gm) ?? [];
    expect(copies).toEqual([
      "COPY --from=build /src/dist/preflight.mjs /src/dist/preflight.main.cjs /src/dist/preflight.main.cjs.LEGAL.txt /app/",
      "COPY --from=build /src/dist/server.mjs /src/dist/server.main.mjs /src/dist/server.main.mjs.LEGAL.txt /app/",
      "COPY --from=caches --chown=0:0 --chmod=0555 /app/code-cache /app/code-cache",
      "COPY --from=caches --chown=0:0 --chmod=0555 /app/compile-cache /app/compile-cache",
    ]);
    // The last one counts; it is the one the local cluster's image table (and the benchmark) runs.
    const entrypoint = [...final.matchAll(/^ENTRYPOINT (.*)$/gm)].at(-1)?.[1] ?? "null";
    expect(JSON.parse(entrypoint)).toEqual(preflightEntrypoint);
  });

  // V8 refuses a code cache made by another V8, and Node files a compile-cache entry under its own version
  // and the user id and keys it by the bundle's path and content: both caches must come from the final
  // image's Node, as the final user, at the final paths.
  it("makes both caches with the final image's own Node, at the final paths", () => {
    const stage = stages.find((text) => / AS caches$/m.test(text.split("\n")[0] ?? "")) ?? "";
    expect(stage.split(" ")[0]).toBe(final.split("\n")[0]);
    expect(stage).toContain(
      "COPY --from=build --chown=65532:65532 /src/dist/preflight.mjs /src/dist/preflight.main.cjs /src/dist/server.mjs /src/dist/server.main.mjs /app/",
    );
    expect(stage).toContain("COPY --from=build /src/dist/train-preflight-cache.mjs /build/");
    const users = (text: string) => text.match(/^USER .*$/gm) ?? [];
    expect(users(stage)).toEqual(users(final));
    expect(stage.match(/^RUN .*$/gm)).toEqual([
      'RUN ["/nodejs/bin/node", "/build/train-preflight-cache.mjs", "/app/preflight.mjs"]',
      'RUN ["/nodejs/bin/node", "/app/server.mjs", "--help"]',
    ]);
    expect(buildScript).toContain('export const compileCacheDir = "compile-cache";');
  });

  it("copies every file the build stage's npm script runs, and the scripts they import", async () => {
    const script = /^RUN npm run ([\w:-]+)$/m.exec(stages[0] ?? "")?.[1];
    expect(script).toBe("build:bundles");
    const command = packageJson.scripts[script ?? ""] ?? "";
    const files: string[] = command.match(/scripts\/[\w./-]+\.ts/g) ?? [];
    expect(files.length).toBeGreaterThan(0);
    for (const file of [...files]) {
      const text = await readFile(new URL(`../../${file}`, import.meta.url), "utf8");
      for (const [, name] of text.matchAll(/from "\.\/([\w-]+\.ts)"/g)) files.push(`scripts/${name}`);
    }
    expect(files).toContain("scripts/train-preflight-cache.ts");
    const copied = (stages[0] ?? "").match(/^COPY .*$/gm)?.join("\n") ?? "";
    for (const file of files) expect(copied, `${script} runs ${file}`).toContain(file);
  });

  // The build, run here as `npm run build:bundles` runs it, writes every file the later stages copy.
  it("copies only what `npm run build:bundles` writes", { timeout: 120_000 }, async () => {
    const folder = await mkdtemp(join(tmpdir(), "dockerfile-dist-"));
    try {
      await buildBundles(folder);
      const copied = [...dockerfile.matchAll(/\/src\/dist\/(\S+)/g)].map(([, file]) => file ?? "");
      expect(copied.length).toBeGreaterThan(5);
      for (const file of copied) await expect(access(join(folder, file)), file).resolves.toBeUndefined();
      // The folders the caches stage copies out are the ones the launchers fill beside themselves.
      const folders = [...dockerfile.matchAll(/COPY --from=caches \S+ \S+ \/app\/(\S+) /g)].map(
        ([, name]) => name,
      );
      expect(folders).toEqual(["code-cache", "compile-cache"]);
      expect(await readdir(join(folder, "code-cache"))).toEqual([
        expect.stringMatching(/^preflight\.main\.cjs-[0-9a-f]{32}-v[\d.]+-\w+\.bin$/),
      ]);
      expect((await readdir(join(folder, "compile-cache"))).length).toBeGreaterThan(0);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
