import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assembleValues, parseValuesYaml } from "../../src/values/index.ts";

const dir = await mkdtemp(join(tmpdir(), "spirl-assemble-"));
async function file(name: string, text: string) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("parseValuesYaml reads YAML as Helm does (go-yaml v2, YAML 1.1)", () => {
  it.each([
    ["yes", true],
    ["y", true],
    ["Off", false],
    ["0755", 493],
    ["0o17", 15],
    ["0x1F", 31],
    ["1_000", 1000],
    ["1e3", 1000],
    ["08", 8],
    ["~", null],
    ["2001-12-14", "2001-12-14"],
    ["1:20", "1:20"],
    ['"yes"', "yes"],
  ])("%s", (text, expected) => {
    expect(parseValuesYaml(`a: ${text}\n`, "v.yaml").value).toEqual({ a: expected });
  });

  it("merges several documents in order (Helm 4)", () => {
    expect(parseValuesYaml("a: {b: 1, c: 1}\n---\na: {c: 2}\n", "v.yaml").value).toEqual({
      a: { b: 1, c: 2 },
    });
  });
});

describe("assembleValues merges like helm install", () => {
  it("applies -f files in order, then --set, then --set-string, over the chart defaults", async () => {
    const first = await file("first.yaml", "azure: {keyVault: {keyName: one, url: u1}}\n");
    const second = await file("second.yaml", "azure: {keyVault: {keyName: two}}\n");
    const { values } = await assembleValues({
      valueFiles: [first, second],
      setString: ["azure.keyVault.keyVersion=00ff"],
      set: ["azure.keyVault.keyVersion=123", "trustDomainServer.replicas=3"],
    });
    expect(values).toMatchObject({
      azure: { keyVault: { url: "u1", keyName: "two", keyVersion: "00ff" } },
      trustDomainServer: { replicas: 3, image: { pullPolicy: "IfNotPresent" } },
    });
  });

  it("null deletes a chart default; a null for a key the chart lacks stays", async () => {
    const nulls = await file(
      "nulls.yaml",
      "azure: {keyVault: {keyVersion: null, extra: null}}\ntrustDomainServer:\n  resources:\n    limits: ~\n",
    );
    const { values } = await assembleValues({ valueFiles: [nulls] });
    const keyVault = (values.azure as { keyVault: Record<string, unknown> }).keyVault;
    expect(Object.hasOwn(keyVault, "keyVersion")).toBe(false);
    expect(keyVault.extra).toBeNull();
    expect(values.trustDomainServer).toMatchObject({ resources: { requests: { cpu: "100m" } } });
    expect((values.trustDomainServer as { resources: object }).resources).not.toHaveProperty("limits");
  });

  it("lists replace, they do not merge", async () => {
    const a = await file("la.yaml", "global: {l: [1, 2, 3]}\n");
    const b = await file("lb.yaml", "global: {l: [9]}\n");
    expect((await assembleValues({ valueFiles: [a, b] })).values.global).toEqual({ l: [9] });
  });
});
