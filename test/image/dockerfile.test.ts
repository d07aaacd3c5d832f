// No container engine runs here, so the image is checked where it can be: the Dockerfile's promises.
// test/preflight/preflight-bundle.test.ts runs the bundle it copies, on its own, against the emulator.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

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

  it("copies only the two launchers, their bundles and licences, and the compile cache into the final image", () => {
    const copies = final.match(/^COPY .*$/gm) ?? [];
    expect(copies).toEqual([
      "COPY --from=build /src/dist/preflight.mjs /src/dist/preflight.main.mjs /src/dist/preflight.main.mjs.LEGAL.txt /app/",
      "COPY --from=build /src/dist/server.mjs /src/dist/server.main.mjs /src/dist/server.main.mjs.LEGAL.txt /app/",
      "COPY --from=compile-cache --chown=0:0 --chmod=0555 /app/compile-cache /app/compile-cache",
    ]);
    expect(final).toMatch(/^ENTRYPOINT \["\/nodejs\/bin\/node", "\/app\/preflight\.mjs"\]$/m);
  });

  // Node files a cache entry under its own version and the user id and keys it by the bundle's path and
  // content: the entries must come from the final image's Node, as the final user, at the final paths.
  it("fills the compile cache with the final image's own Node, at the final paths", () => {
    const stage = stages.find((text) => / AS compile-cache$/m.test(text.split("\n")[0] ?? "")) ?? "";
    expect(stage.split(" ")[0]).toBe(final.split("\n")[0]);
    expect(stage).toContain(
      "COPY --from=build --chown=65532:65532 /src/dist/preflight.mjs /src/dist/preflight.main.mjs /src/dist/server.mjs /src/dist/server.main.mjs /app/",
    );
    // Node files entries under the user id: written as any other user than the final one, none is read.
    const users = (text: string) => text.match(/^USER .*$/gm) ?? [];
    expect(users(stage)).toEqual(users(final));
    expect(stage.match(/^RUN .*$/gm)).toEqual([
      'RUN ["/nodejs/bin/node", "/app/preflight.mjs", "--help"]',
      'RUN ["/nodejs/bin/node", "/app/server.mjs", "--help"]',
    ]);
    expect(buildScript).toContain('export const compileCacheDir = "compile-cache";');
  });

  it("copies every file the build stage's npm script runs", () => {
    const script = /^RUN npm run ([\w:-]+)$/m.exec(stages[0] ?? "")?.[1];
    expect(script).toBeDefined();
    const command = packageJson.scripts[script ?? ""] ?? "";
    const files = command.match(/scripts\/[\w./-]+\.ts/g) ?? [];
    expect(files.length).toBeGreaterThan(0);
    const copied = (stages[0] ?? "").match(/^COPY .*$/gm)?.join("\n") ?? "";
    for (const file of files) expect(copied, `${script} runs ${file}`).toContain(file);
  });

  it("copies what `npm run build:bundles` writes", () => {
    expect(buildScript).toMatch(/new URL\(`\.\.\/dist\/\$\{name\}\.mjs`, import\.meta\.url\)/);
    expect(buildScript).toMatch(/\["preflight", buildPreflight\],\s*\["server", buildServer\]/);
    expect(buildScript).toContain('legalComments: "external"');
    expect(stages[0]).toMatch(/^RUN npm run build:bundles$/m);
  });
});
