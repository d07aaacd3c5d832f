import { CoordinationV1Api, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { ServerLog } from "./server-log.ts";

/** Options of {@link holdLease}. */
export interface HoldLeaseOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The `coordination.k8s.io` Lease every replica competes for. */
  readonly name: string;
  /** This replica, as written into `holderIdentity` (unique per process). */
  readonly identity: string;
  /** How long a holder that stopped renewing keeps the lease, in seconds. Default 15 (client-go's). */
  readonly leaseDurationSeconds?: number;
  /** How often the holder renews and the others try, in ms. Default a third of the lease duration. */
  readonly retryPeriodMs?: number;
  readonly signal: AbortSignal;
  readonly log: ServerLog;
}

/** A replica's view of the Lease. */
export interface LeaseHolder {
  /** True while this replica holds the lease: renewed within the last two thirds of its duration. */
  isLeader(): boolean;
}

/**
 * A Lease's times are MicroTime, which the API server parses with exactly six fractional digits; the
 * client serializes a Date with three (`toISOString`), and the API server refuses that with 400.
 */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/Z$/, "000Z");
  }
  override toJSON(): string {
    return this.toISOString();
  }
}

function microTime(value: Date | string | undefined): MicroTime | undefined {
  return value === undefined ? undefined : new MicroTime(value);
}

function statusOf(error: unknown): number | undefined {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === "number" ? code : undefined;
}

/**
 * Leader election over one Lease, as client-go's leaderelection does it (@kubernetes/client-node 2.x has
 * none): every `retryPeriodMs` a replica reads the Lease and, when it holds it, or nobody does, or the
 * holder has not renewed it for `leaseDurationSeconds` as *this* replica observed it (so clocks need not
 * agree), writes itself in with the resourceVersion it read as precondition: of two writers, one wins and
 * the other gets 409. A holder that cannot renew for two thirds of the duration stops acting as leader
 * before anyone else may take over. Every API call is bounded by the retry period. At `signal` the holder
 * gives the lease up, so another replica takes over at once.
 */
export function holdLease(options: HoldLeaseOptions): LeaseHolder {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity, log } = options;
  const durationMs = (options.leaseDurationSeconds ?? 15) * 1000;
  const retryMs = options.retryPeriodMs ?? Math.floor(durationMs / 3);
  let renewedAt = Number.NEGATIVE_INFINITY;
  let leading = false;
  /** The other holder's last resourceVersion we saw, and when we first saw it. */
  let observed: { version: string; at: number } | undefined;

  const within = <T>(call: Promise<T>): Promise<T> =>
    Promise.race([
      call,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`Lease ${namespace}/${name}: no answer in ${retryMs} ms`)),
          retryMs,
        ).unref(),
      ),
    ]);
  const leaseSpec = (now: Date, previous?: V1Lease) => ({
    holderIdentity: identity,
    leaseDurationSeconds: durationMs / 1000,
    acquireTime:
      (previous?.spec?.holderIdentity === identity ? microTime(previous.spec.acquireTime) : undefined) ?? now,
    renewTime: now,
    leaseTransitions:
      (previous?.spec?.leaseTransitions ?? 0) +
      (previous?.spec?.holderIdentity === identity ? 0 : previous ? 1 : 0),
  });

  const attempt = async () => {
    const now = new MicroTime();
    let lease: V1Lease | undefined;
    try {
      lease = await within(api.readNamespacedLease({ name, namespace }));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    if (lease === undefined) {
      await within(
        api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: leaseSpec(now) },
        }),
      );
      return true;
    }
    const holder = lease.spec?.holderIdentity ?? "";
    const version = lease.metadata?.resourceVersion ?? "";
    if (holder !== identity && holder !== "") {
      if (observed?.version !== version) observed = { version, at: Date.now() };
      if (Date.now() - observed.at < (lease.spec?.leaseDurationSeconds ?? 15) * 1000) return false;
    }
    await within(
      api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          metadata: { ...lease.metadata, resourceVersion: version },
          spec: leaseSpec(now, lease),
        },
      }),
    );
    return true;
  };

  const tick = async () => {
    if (options.signal.aborted) return;
    const started = Date.now();
    try {
      const held = await attempt();
      if (held) renewedAt = started;
    } catch (error) {
      // 409: another replica wrote first; anything else: the API server is unreachable. Either way, not renewed.
      if (statusOf(error) !== 409)
        log({
          level: "error",
          msg: "leader lease not renewed",
          fields: { lease: `${namespace}/${name}`, error: String(error) },
        });
    }
    const now = isLeader();
    if (now !== leading) {
      leading = now;
      log({
        level: "info",
        msg: now ? "leading: this replica rotates and rewraps keys" : "not leading",
        fields: { lease: `${namespace}/${name}`, identity },
      });
    }
    if (!options.signal.aborted) setTimeout(tick, retryMs).unref();
  };
  const isLeader = () => !options.signal.aborted && Date.now() - renewedAt < (durationMs * 2) / 3;

  options.signal.addEventListener(
    "abort",
    () => {
      if (renewedAt === Number.NEGATIVE_INFINITY) return;
      // Give the lease up so another replica need not wait out its duration; best effort, bounded.
      void within(api.readNamespacedLease({ name, namespace }))
        .then((lease) =>
          lease.spec?.holderIdentity === identity
            ? within(
                api.replaceNamespacedLease({
                  name,
                  namespace,
                  body: {
                    ...lease,
                    spec: {
                      ...lease.spec,
                      holderIdentity: "",
                      ...(lease.spec.acquireTime !== undefined && {
                        acquireTime: new MicroTime(lease.spec.acquireTime),
                      }),
                      ...(lease.spec.renewTime !== undefined && {
                        renewTime: new MicroTime(lease.spec.renewTime),
                      }),
                    },
                  },
                }),
              )
            : undefined,
        )
        .catch(() => {});
    },
    { once: true },
  );
  void tick();
  return { isLeader };
}
