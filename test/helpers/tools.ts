// The tools live beside the local cluster that starts them; tests use the same lookup.
export { type ToolName, toolPath } from "../../src/local-cluster/control-plane/tool-path.ts";
