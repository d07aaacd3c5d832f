// Two server replicas on a cluster that runs Pods: one holds the Lease, each use has one active key; when
// the leader's Pod is deleted the other replica takes the Lease over and no key is lost or duplicated.
import { describe, expect, it } from "vitest";
import { helms } from "../helpers/helm.ts";
import { admin, installFresh, readyServerPods, signingKeys, waitFor } from "../helpers/pod-cluster.ts";

interface LeaseLike {
  spec: { holderIdentity?: string; leaseTransitions?: number };
}

describe.each(helms)("two replicas installed with $name", ({ name: helm, major }) => {
  it("one Lease holder, one key per use; deleting the leader's Pod hands over without losing a key", async () => {
    const { namespace, install } = await installFresh(helm, `replicas-h${major}`, {
      "trustDomainServer.replicas": 2,
    });
    expect(install.exitCode, install.stderr).toBe(0);
    const pods = await waitFor("two ready replicas", async () => {
      const ready = await readyServerPods(namespace, "tds");
      return ready.length === 2 ? ready : undefined;
    });
    const client = await admin();
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/tds-spirl-system`;
    const holder = await waitFor("a Lease holder", async () => {
      const lease = await client.json<LeaseLike>("GET", leasePath);
      return lease.spec.holderIdentity || undefined;
    });
    // The identity starts with the Pod's hostname, which is its name, as the kubelet sets it.
    const leader = pods.find((pod) => holder.startsWith(`${pod.metadata.name}-`));
    expect(leader, `holder ${holder} is one of the Pods`).toBeDefined();
    const keys = await signingKeys(namespace);
    const uses = keys.map((key) => key.spec.use).sort();
    expect(uses).toEqual(["jwt-svid", "x509-svid"]);

    await client.json("DELETE", `/api/v1/namespaces/${namespace}/pods/${leader?.metadata.name}`);
    const follower = pods.find((pod) => pod !== leader);
    const newHolder = await waitFor("the other replica to take the Lease", async () => {
      const lease = await client.json<LeaseLike>("GET", leasePath);
      const identity = lease.spec.holderIdentity ?? "";
      return identity !== holder && identity !== "" ? identity : undefined;
    });
    // A live replica took over: the follower, or the ReplicaSet's replacement when it is quicker to the
    // Lease (both compete for it, as on a real cluster); never the deleted leader.
    expect(follower).toBeDefined();
    expect(newHolder.startsWith(`${leader?.metadata.name}-`)).toBe(false);
    const after = await waitFor("two ready replicas again", async () => {
      const ready = await readyServerPods(namespace, "tds");
      return ready.length === 2 ? ready : undefined;
    });
    const holders = after.filter((pod) => newHolder.startsWith(`${pod.metadata.name}-`));
    expect(holders, `new holder ${newHolder} is one of the ready replicas`).toHaveLength(1);
    expect((await signingKeys(namespace)).map((key) => key.metadata.uid).sort()).toEqual(
      keys.map((key) => key.metadata.uid).sort(),
    );
  });
});
