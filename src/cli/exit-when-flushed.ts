/**
 * Longest wait for the output to drain: a reader that stopped reading must not hold the process, and
 * the preflight promises to end within its timeout plus one second.
 */
const flushLimitMs = 500;

/**
 * Ends the process with `code` once what was written to stdout and stderr has been handed to the OS,
 * whatever is still open: an abandoned token request, a proxy that never answered CONNECT. A command's
 * verdict is final, so nothing left running may keep the process (an init container) alive.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  const flushed = [process.stdout, process.stderr].map(
    (stream) => new Promise<void>((resolve) => stream.write("", () => resolve())),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(flushed),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, flushLimitMs);
    }),
  ]);
  clearTimeout(timer);
  process.exit(code);
}
