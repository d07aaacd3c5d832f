import type { V1Pod, V1ServiceAccount } from "@kubernetes/client-node";
import { type MutatePodConfig, mutatePod } from "./mutate-pod.ts";
import { isWorkloadIdentityError } from "./workload-identity-error.ts";

/** Reads a ServiceAccount from the API server; throws with the server's message when it cannot. */
export type ReadServiceAccount = (namespace: string, name: string) => Promise<V1ServiceAccount>;

/** The `response` of an AdmissionReview v1 as this webhook answers it. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly patchType?: "JSONPatch";
  /** base64 of the JSON Patch text. */
  readonly patch?: string;
  /** Set when refused: controller-runtime's `admission.Errored(code, err)` shape. */
  readonly status?: { readonly code: number; readonly message: string };
}

export interface AdmissionReviewAnswer {
  readonly apiVersion: "admission.k8s.io/v1";
  readonly kind: "AdmissionReview";
  readonly response: AdmissionResponse;
}

/**
 * Answers one AdmissionReview v1 for a Pod CREATE as the real webhook's `Handle` does: the Pod's
 * ServiceAccount (`default` when unset) is read from the API server at admission time, in the request's
 * namespace (a Deployment's Pod carries none itself); when it cannot be read, or an annotation is
 * invalid, the Pod is refused with code 400 and the error's own text. Returns undefined when the body
 * has no `request.uid`, so there is nothing to answer (the caller replies HTTP 400).
 */
export async function reviewPod(
  review: unknown,
  readServiceAccount: ReadServiceAccount,
  config: MutatePodConfig,
): Promise<AdmissionReviewAnswer | undefined> {
  const request = (review as { request?: { uid?: unknown; namespace?: unknown; object?: unknown } } | null)
    ?.request;
  if (typeof request?.uid !== "string" || request.uid === "") return undefined;
  const answer = (response: Omit<AdmissionResponse, "uid">): AdmissionReviewAnswer => ({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: request.uid as string, ...response },
  });
  const refuse = (code: number, message: string) => answer({ allowed: false, status: { code, message } });

  const pod = request.object as V1Pod | undefined;
  if (typeof pod !== "object" || pod === null || (pod as { kind?: unknown }).kind !== "Pod") {
    return refuse(400, "the admission request carries no Pod object");
  }
  const namespace = typeof request.namespace === "string" ? request.namespace : "";
  const serviceAccountName = pod.spec?.serviceAccountName || "default";
  let serviceAccount: V1ServiceAccount;
  try {
    serviceAccount = await readServiceAccount(namespace, serviceAccountName);
  } catch (error) {
    return refuse(400, (error as Error).message);
  }
  try {
    const ops = mutatePod(pod, serviceAccount, config);
    if (ops.length === 0) return answer({ allowed: true });
    return answer({
      allowed: true,
      patchType: "JSONPatch",
      patch: Buffer.from(JSON.stringify(ops)).toString("base64"),
    });
  } catch (error) {
    if (isWorkloadIdentityError(error)) return refuse(400, error.message);
    throw error;
  }
}
