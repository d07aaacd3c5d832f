import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { type ToolName, toolPath } from "../helpers/tools.ts";

// The pins live in one place, the build script; read them from there.
const script = await readFile(new URL("../../scripts/build-tools.sh", import.meta.url), "utf8");
function pin(name: string): string {
  const match = new RegExp(`^${name}=(v[0-9.]+)$`, "m").exec(script);
  if (match?.[1] === undefined) throw new Error(`scripts/build-tools.sh has no ${name}=vX.Y.Z line`);
  return match[1];
}

// Helm appends "+g<commit>" only when the module proxy's .info names the commit (an Origin);
// on a fresh machine it may not, so the build promises the pinned version, not a commit.
const helmShort = (version: string): RegExp =>
  new RegExp(`^${version.replaceAll(".", "\\.")}(\\+g[0-9a-f]{7})?$`);

const cases: { tool: ToolName; args: string[]; expected: RegExp }[] = [
  { tool: "helm", args: ["version", "--short"], expected: helmShort(pin("HELM4_VERSION")) },
  { tool: "helm3", args: ["version", "--short"], expected: helmShort(pin("HELM3_VERSION")) },
  { tool: "kube-apiserver", args: ["--version"], expected: new RegExp(`^Kubernetes ${pin("K8S_VERSION")}$`) },
  {
    tool: "kube-controller-manager",
    args: ["--version"],
    expected: new RegExp(`^Kubernetes ${pin("K8S_VERSION")}$`),
  },
  { tool: "kube-scheduler", args: ["--version"], expected: new RegExp(`^Kubernetes ${pin("K8S_VERSION")}$`) },
  {
    tool: "kubectl",
    args: ["version", "--client"],
    expected: new RegExp(`Client Version: ${pin("K8S_VERSION")}`),
  },
  {
    tool: "etcd",
    args: ["--version"],
    expected: new RegExp(`^etcd Version: ${pin("ETCD_VERSION").slice(1)}$`, "m"),
  },
];

describe("tools built by scripts/build-tools.sh", () => {
  it("pins the majors the project promises", () => {
    expect(pin("HELM4_VERSION")).toMatch(/^v4\.3\./);
    expect(pin("HELM3_VERSION")).toMatch(/^v3\.22\./);
    expect(pin("K8S_VERSION")).toMatch(/^v1\.37\./);
    expect(pin("ETCD_VERSION")).toMatch(/^v3\.(6|7)\./);
  });

  it.each(cases)("$tool reports the pinned version", async ({ tool, args, expected }) => {
    const { stdout } = await execa(await toolPath(tool), args);
    expect(stdout).toMatch(expected);
  });
});
