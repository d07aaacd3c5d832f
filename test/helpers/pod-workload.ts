import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

// Helpers for tests that run Pod processes (pod-network, node-agent): tiny node workloads (`node -e`) and deadline-bound waits on them.

/** How a workload ended, with all it printed. */
export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** argv for `node -e <script> ...args` (inside the script, args are process.argv[1..]). */
export const nodeScript = (script: string, ...args: string[]): string[] => [
  process.execPath,
  "-e",
  script,
  ...args,
];

/** Collects a child's output and resolves when it exits; rejects (and SIGKILLs it) after `timeoutMs`. */
export function ended(child: ChildProcess, timeoutMs = 20_000): Promise<Ended> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`process did not end within ${timeoutMs} ms; stdout ${stdout} stderr ${stderr}`));
    }, timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Resolves with the first stdout line matching `pattern`; rejects after `timeoutMs` or when the child exits first. */
export function lineFrom(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  if (child.stdout === null) throw new Error("child has no stdout pipe");
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`no line ${pattern} within ${timeoutMs} ms; stderr ${stderr}`));
    }, timeoutMs);
    lines.on("line", (line) => {
      if (!pattern.test(line)) return;
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before a line ${pattern}; stderr ${stderr}`));
    });
  });
}

/** A TCP server on 0.0.0.0:<port> that answers each connection with `<greeting>` and closes; prints "listening". */
export const greetingServer = (port: number, greeting: string): string[] =>
  nodeScript(
    `require("node:net").createServer((c) => c.end(process.argv[2])).listen(Number(process.argv[1]), "0.0.0.0", () => console.log("listening"))`,
    String(port),
    greeting,
  );

/** Connects to host:port, prints what it receives, exits 0; exits 3 on a connection error. */
export const tcpClient = (host: string, port: number): string[] =>
  nodeScript(
    `const c = require("node:net").connect(Number(process.argv[2]), process.argv[1]); let got = ""; c.setEncoding("utf8"); c.on("data", (d) => { got += d; }); c.on("end", () => { console.log("got:" + got); }); c.on("error", (e) => { console.error(e.message); process.exit(3); }); setTimeout(() => process.exit(4), 10000).unref();`,
    host,
    String(port),
  );
