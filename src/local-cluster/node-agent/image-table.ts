import type { V1Container } from "@kubernetes/client-node";
import { NodeAgentError } from "./node-agent-error.ts";

/** One program an image may run: the container's argv prefix that selects it, and what runs instead. */
export interface ImageProgram {
  /** argv[0..n-1] as the Pod names it (in-image paths), matched exactly. */
  readonly match: readonly string[];
  /** Host argv run in its place; the container's remaining arguments are appended. */
  readonly run: readonly string[];
}

/** One image repository's ENTRYPOINT and the programs it may run. */
export interface ImageEntry {
  /** The image's ENTRYPOINT, used when the container has no `command`. */
  readonly entrypoint: readonly string[];
  readonly programs: readonly ImageProgram[];
  /** The image's USER, used when the Pod sets no runAsUser/runAsGroup. Default: root, as for an image without one. */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/** Image repository (tag and digest ignored) -> what it may run. Nothing else ever runs. */
export type ImageTable = Readonly<Record<string, ImageEntry>>;

/** `registry.example/app:1.2@sha256:…` -> `registry.example/app` (a registry's `:port` is kept). */
export function imageRepository(image: string): string {
  const withoutDigest = image.split("@", 1)[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/**
 * The host argv for a container: argv = (command ?? entrypoint) + (args ?? []), whose first n entries must
 * equal one program's `match`; the rest are passed through. Anything else is refused, never run.
 */
/** The user an image runs as (its USER), or undefined for root or an image the table does not have. */
export function imageUser(images: ImageTable, image: string): ImageEntry["user"] {
  const repository = imageRepository(image);
  return Object.hasOwn(images, repository) ? images[repository]?.user : undefined;
}

export function resolveProgram(
  images: ImageTable,
  container: Pick<V1Container, "name" | "image" | "command" | "args">,
): readonly string[] {
  const image = container.image ?? "";
  const repository = imageRepository(image);
  const entry = Object.hasOwn(images, repository) ? images[repository] : undefined;
  if (entry === undefined) {
    throw new NodeAgentError(
      `container ${JSON.stringify(container.name)}: image ${JSON.stringify(image)} is not one this node may run; expected one of ${JSON.stringify(Object.keys(images))}`,
      { code: "IMAGE_NOT_ALLOWED" },
    );
  }
  const argv = [...(container.command ?? entry.entrypoint), ...(container.args ?? [])];
  for (const program of entry.programs) {
    if (program.match.length <= argv.length && program.match.every((part, i) => argv[i] === part)) {
      return [...program.run, ...argv.slice(program.match.length)];
    }
  }
  throw new NodeAgentError(
    `container ${JSON.stringify(container.name)}: command ${JSON.stringify(argv)} of image ${JSON.stringify(image)} matches no program this node may run`,
    { code: "IMAGE_NOT_ALLOWED" },
  );
}
