"""Platform components (issue 13, points 3 and 5): what Rancher and Longhorn create on purpose is
info "platform component"; the same grant in a user namespace keeps warning; Longhorn's
``nodes.longhorn.io`` custom resources (kind ``Node``) are not Nodes."""

from __future__ import annotations

from collections.abc import Callable

from tools.bundlegen import k8s
from tools.bundlegen.k8s import Cluster, Obj, namespace


def _binding(name: str, sa: str, ns: str) -> Obj:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": k8s.meta("ClusterRoleBinding", name, age=86400 * 40),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns}]}


def platform_components(c: Cluster) -> None:
    """Rancher and Longhorn installed: their cluster-admin bindings and instance-manager PDBs are by design; a CI
    service account with cluster-admin is not."""
    c.description = ("Rancher (cattle-system) and Longhorn (longhorn-system) are installed: cattle-admin-binding and "
                     "longhorn-bind grant cluster-admin to their service accounts, Longhorn's instance-manager PDBs "
                     "allow no disruption, and nodes.longhorn.io objects (kind Node) sit next to the core Nodes. "
                     "ci/deployer also has cluster-admin: that one is a user grant.")
    for ns in ("cattle-system", "longhorn-system", "ci"):
        c.add(namespace(ns, age=86400 * 40))
    rancher = c.add(_binding("cattle-admin-binding", "cattle", "cattle-system"))
    longhorn = c.add(_binding("longhorn-bind", "longhorn-service-account", "longhorn-system"))
    ci = c.add(_binding("ci-deployer-admin", "deployer", "ci"))
    workers = [o["metadata"]["name"] for o in c.objects if o["kind"] == "Node" and o["metadata"]["name"] != "cp-1"]
    first_pdb = None
    for n in workers:
        im = f"instance-manager-{k8s.hexid('im', n, n=32)}"
        pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": k8s.meta("PodDisruptionBudget", im, "longhorn-system", age=86400 * 40),
               "spec": {"minAvailable": 1, "selector": {"matchLabels": {"longhorn.io/component": "instance-manager",
                                                                        "longhorn.io/instance-manager-name": im}}},
               "status": {"currentHealthy": 1, "desiredHealthy": 1, "disruptionsAllowed": 0, "expectedPods": 1,
                          "observedGeneration": 1}}
        c.add(pdb)
        first_pdb = first_pdb or pdb
        c.expect("PDB-PLATFORM-COMPONENT", pdb)
        # nodes.longhorn.io/v1beta2: kind Node, namespaced, its own status (conditions of type Ready/Schedulable)
        c.add({"apiVersion": "longhorn.io/v1beta2", "kind": "Node",
               "metadata": k8s.meta("Node", n, "longhorn-system", age=86400 * 40),
               "spec": {"allowScheduling": True, "evictionRequested": False, "name": n, "disks": {}},
               "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubernetesNodeCordoned",
                                          "lastTransitionTime": k8s.ts(600)},
                                         {"type": "Schedulable", "status": "False", "lastTransitionTime": k8s.ts(600)}],
                          "diskStatus": {}, "region": "", "zone": ""}})
    c.expect("RBAC-PLATFORM-ADMIN", rancher)
    c.expect("RBAC-PLATFORM-ADMIN", longhorn)
    c.expect("RBAC-OVERBROAD", ci)


SCENARIOS: dict[str, Callable[[Cluster], None]] = {
    "PLATFORM-COMPONENTS": platform_components,
}
