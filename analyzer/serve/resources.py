"""Which API resources a served bundle has, and the objects behind each.

The catalog answers the questions an API server answers from its registry: which groups
and versions exist, which resources each has (plural, singular, kind, scope, short names,
categories), and which objects a resource lists.  It is built once from a
:class:`~analyzer.bundle.model.Bundle`:

* every object is placed under the group and version of its ``apiVersion`` (objects
  without one take the built-in table's, or the bundle CRD's, group and version);
* the built-in resources of a current API server are always present, empty when the
  bundle has none (so ``kubectl get pods`` on a bundle without pods says "No resources
  found" instead of "doesn't have a resource type", and ``describe`` finds its lists);
* custom resources take plural, singular, short names, scope, categories and printer
  columns from the bundle's CustomResourceDefinitions when present, else they are
  derived from the kind; CRDs without objects in the bundle still give empty resources.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analyzer.bundle.model import CLUSTER_SCOPED_KINDS, Bundle
from analyzer.bundle.native_writer import plural_of
from analyzer.serve.derived import endpoint_slices_from

VERBS = ["get", "list", "watch"]


@dataclass(frozen=True)
class BuiltinKind:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def _b(gv: str, kind: str, plural: str, namespaced: bool, short: tuple[str, ...] = (), all_: bool = False) -> BuiltinKind:
    group, _, version = gv.rpartition("/")
    return BuiltinKind(group, version, kind, plural, namespaced, short, ("all",) if all_ else ())


# The resources of a current Kubernetes API server (the ones a read-only client can list).
BUILTIN_KINDS: tuple[BuiltinKind, ...] = (
    _b("v1", "ComponentStatus", "componentstatuses", False, ("cs",)),
    _b("v1", "ConfigMap", "configmaps", True, ("cm",)),
    _b("v1", "Endpoints", "endpoints", True, ("ep",)),
    _b("v1", "Event", "events", True, ("ev",)),
    _b("v1", "LimitRange", "limitranges", True, ("limits",)),
    _b("v1", "Namespace", "namespaces", False, ("ns",)),
    _b("v1", "Node", "nodes", False, ("no",)),
    _b("v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ("pvc",)),
    _b("v1", "PersistentVolume", "persistentvolumes", False, ("pv",)),
    _b("v1", "Pod", "pods", True, ("po",), all_=True),
    _b("v1", "PodTemplate", "podtemplates", True),
    _b("v1", "ReplicationController", "replicationcontrollers", True, ("rc",), all_=True),
    _b("v1", "ResourceQuota", "resourcequotas", True, ("quota",)),
    _b("v1", "Secret", "secrets", True),
    _b("v1", "ServiceAccount", "serviceaccounts", True, ("sa",)),
    _b("v1", "Service", "services", True, ("svc",), all_=True),
    _b("apiregistration.k8s.io/v1", "APIService", "apiservices", False),
    _b("apps/v1", "ControllerRevision", "controllerrevisions", True),
    _b("apps/v1", "DaemonSet", "daemonsets", True, ("ds",), all_=True),
    _b("apps/v1", "Deployment", "deployments", True, ("deploy",), all_=True),
    _b("apps/v1", "ReplicaSet", "replicasets", True, ("rs",), all_=True),
    _b("apps/v1", "StatefulSet", "statefulsets", True, ("sts",), all_=True),
    _b("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ("hpa",), all_=True),
    _b("batch/v1", "CronJob", "cronjobs", True, ("cj",), all_=True),
    _b("batch/v1", "Job", "jobs", True, (), all_=True),
    _b("certificates.k8s.io/v1", "CertificateSigningRequest", "certificatesigningrequests", False, ("csr",)),
    _b("networking.k8s.io/v1", "IngressClass", "ingressclasses", False),
    _b("networking.k8s.io/v1", "Ingress", "ingresses", True, ("ing",)),
    _b("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", True, ("netpol",)),
    _b("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ("pdb",)),
    _b("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _b("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", False),
    _b("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", True),
    _b("rbac.authorization.k8s.io/v1", "Role", "roles", True),
    _b("storage.k8s.io/v1", "CSIDriver", "csidrivers", False),
    _b("storage.k8s.io/v1", "CSINode", "csinodes", False),
    _b("storage.k8s.io/v1", "CSIStorageCapacity", "csistoragecapacities", True),
    _b("storage.k8s.io/v1", "StorageClass", "storageclasses", False, ("sc",)),
    _b("storage.k8s.io/v1", "VolumeAttachment", "volumeattachments", False),
    _b("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", False),
    _b("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", False),
    _b("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding",
       "validatingadmissionpolicybindings", False),
    _b("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", False),
    _b("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", False, ("crd", "crds")),
    _b("scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", False, ("pc",)),
    _b("coordination.k8s.io/v1", "Lease", "leases", True),
    _b("node.k8s.io/v1", "RuntimeClass", "runtimeclasses", False),
    _b("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", True),
    _b("flowcontrol.apiserver.k8s.io/v1", "FlowSchema", "flowschemas", False),
    _b("flowcontrol.apiserver.k8s.io/v1", "PriorityLevelConfiguration", "prioritylevelconfigurations", False),
)

# Built-in kinds of older API versions a bundle may hold (served under their own group).
LEGACY_KINDS: tuple[BuiltinKind, ...] = (
    _b("extensions/v1beta1", "Ingress", "ingresses", True, ("ing",)),
    _b("extensions/v1beta1", "Deployment", "deployments", True, ("deploy",), all_=True),
    _b("extensions/v1beta1", "DaemonSet", "daemonsets", True, ("ds",), all_=True),
    _b("extensions/v1beta1", "ReplicaSet", "replicasets", True, ("rs",), all_=True),
    _b("extensions/v1beta1", "NetworkPolicy", "networkpolicies", True, ("netpol",)),
    _b("events.k8s.io/v1", "Event", "events", True, ("ev",)),
)

# Order of groups on a real API server (kubectl resolves an ambiguous name to the first).
GROUP_ORDER = [
    "", "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
    "autoscaling", "batch", "certificates.k8s.io", "networking.k8s.io", "extensions", "policy",
    "rbac.authorization.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io",
    "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "flowcontrol.apiserver.k8s.io",
]
BUILTIN_GROUPS = frozenset(GROUP_ORDER)

_BUILTIN_BY_KIND: dict[str, BuiltinKind] = {b.kind: b for b in BUILTIN_KINDS}
_BUILTIN_BY_GK: dict[tuple[str, str], BuiltinKind] = {(b.group, b.kind): b for b in BUILTIN_KINDS + LEGACY_KINDS}


@dataclass
class Resource:
    """One served resource (one group, version and plural)."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    printer_columns: list[dict[str, Any]] | None = None  # CRD additionalPrinterColumns
    objects: list[dict[str, Any]] = field(default_factory=list)  # sorted by (namespace, name)
    # "events" in events.k8s.io and core share objects but differ in shape.
    event_shape: str = ""  # "", "core" or "events.k8s.io"
    _index: dict[tuple[str, str], dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def builtin(self) -> bool:
        return self.group in BUILTIN_GROUPS

    def get(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        if self._index is None:
            self._index = {}
            for obj in self.objects:
                md = _meta(obj)
                ns = str(md.get("namespace") or "") if self.namespaced else ""
                self._index.setdefault((ns, str(md.get("name") or "")), obj)
        return self._index.get(((namespace or "") if self.namespaced else "", name))

    def in_namespace(self, namespace: str | None) -> list[dict[str, Any]]:
        if not namespace or not self.namespaced:
            return self.objects
        return [o for o in self.objects if _meta(o).get("namespace") == namespace]


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def split_api_version(api_version: Any) -> tuple[str, str] | None:
    """``"apps/v1"`` -> ``("apps", "v1")``, ``"v1"`` -> ``("", "v1")``; None when malformed."""
    if not isinstance(api_version, str) or not api_version or api_version.count("/") > 1:
        return None
    group, _, version = api_version.rpartition("/")
    if not re.fullmatch(r"v\d+(?:(?:alpha|beta)\d+)?", version):
        return None
    return group, version


_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int]:
    """Sort key: GA before beta before alpha, higher numbers first (Kubernetes ordering)."""
    m = _VERSION_RE.match(version)
    if not m:
        return (3, 0, 0)
    major = int(m.group(1))
    stage = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    minor = int(m.group(3) or 0)
    return (stage, -major, -minor)


def _crd_info(bundle: Bundle) -> dict[tuple[str, str], dict[str, Any]]:
    """(group, kind) -> {plural, singular, short_names, categories, namespaced, versions{v: columns}}."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for crd in bundle.objects("CustomResourceDefinition"):
        spec = spec_raw if isinstance(spec_raw := crd.get("spec"), dict) else {}
        names = names_raw if isinstance(names_raw := spec.get("names"), dict) else {}
        group, kind, plural = spec.get("group"), names.get("kind"), names.get("plural")
        if not (isinstance(group, str) and isinstance(kind, str) and isinstance(plural, str) and kind and plural):
            continue
        versions: dict[str, list[dict[str, Any]]] = {}
        storage = None
        top_columns = spec.get("additionalPrinterColumns")  # apiextensions v1beta1
        for v in spec.get("versions") or []:
            if not isinstance(v, dict) or not isinstance(v.get("name"), str):
                continue
            if v.get("served") is False:
                continue
            cols = v.get("additionalPrinterColumns", top_columns)
            versions[v["name"]] = [c for c in cols if isinstance(c, dict)] if isinstance(cols, list) else []
            if v.get("storage"):
                storage = v["name"]
        if not versions and isinstance(spec.get("version"), str):
            cols = top_columns if isinstance(top_columns, list) else []
            versions[spec["version"]] = [c for c in cols if isinstance(c, dict)]
        out[(group, kind)] = {
            "plural": plural,
            "singular": names.get("singular") if isinstance(names.get("singular"), str) else kind.lower(),
            "short_names": [s for s in names.get("shortNames") or [] if isinstance(s, str)],
            "categories": [s for s in names.get("categories") or [] if isinstance(s, str)],
            "namespaced": spec.get("scope") != "Cluster",
            "versions": versions,
            "storage": storage,
        }
    return out


class Catalog:
    """The served groups, versions and resources of one bundle."""

    def __init__(self, resources: Iterable[Resource]):
        self.resources: list[Resource] = list(resources)
        self._by_path: dict[tuple[str, str, str], Resource] = {
            (r.group, r.version, r.plural): r for r in self.resources
        }

    def find(self, group: str, version: str, plural: str) -> Resource | None:
        return self._by_path.get((group, version, plural))

    def groups(self) -> list[tuple[str, list[str]]]:
        """[(group, [versions, preferred first])], core first, in API server order."""
        versions: dict[str, set[str]] = defaultdict(set)
        for r in self.resources:
            versions[r.group].add(r.version)
        order = {g: i for i, g in enumerate(GROUP_ORDER)}
        groups = sorted(versions, key=lambda g: (order.get(g, len(order)), g))
        return [(g, sorted(versions[g], key=version_priority)) for g in groups]

    def resources_of(self, group: str, version: str) -> list[Resource]:
        return sorted((r for r in self.resources if r.group == group and r.version == version),
                      key=lambda r: r.plural)


def _sort_key(obj: dict[str, Any]) -> tuple[str, str]:
    md = _meta(obj)
    return (str(md.get("namespace") or ""), str(md.get("name") or ""))


def build_catalog(bundle: Bundle) -> Catalog:
    crds = _crd_info(bundle)
    crd_by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for group, kind in crds:
        crd_by_kind[kind].append((group, kind))

    # (group, kind) -> version counts and objects
    placed: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    versions: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for obj in bundle.objects_all:
        kind = obj["kind"]
        gv = split_api_version(obj.get("apiVersion"))
        if gv is None:
            if kind in _BUILTIN_BY_KIND:
                b = _BUILTIN_BY_KIND[kind]
                gv = (b.group, b.version)
            elif len(crd_by_kind.get(kind, [])) == 1:
                group = crd_by_kind[kind][0][0]
                info = crds[(group, kind)]
                vs = sorted(info["versions"], key=version_priority)
                gv = (group, info["storage"] or (vs[0] if vs else "v1"))
            else:
                gv = ("", "v1")
        group, version = gv
        placed[(group, kind)].append(obj)
        versions[(group, kind)][version] += 1

    resources: list[Resource] = []
    served_plurals: set[str] = set()
    event_objects: list[dict[str, Any]] = []
    for (group, kind), objs in placed.items():
        if kind == "Event" and group in ("", "events.k8s.io"):
            event_objects.extend(objs)
            continue
        counts = versions[(group, kind)]
        version = sorted(counts, key=lambda v: (-counts[v], version_priority(v)))[0]
        res = _describe(group, version, kind, crds, objs)
        res.objects = sorted((_with_type(o, res) for o in objs), key=_sort_key)
        resources.append(res)
        served_plurals.add(res.plural)

    # Events: one list of objects, served as core v1 (always) and events.k8s.io/v1 (when the
    # bundle holds that form), each in its own shape, as the API server does.
    event_objects.sort(key=_sort_key)
    has_new_events = any(split_api_version(o.get("apiVersion")) == ("events.k8s.io", "v1") for o in event_objects)
    core_events = _describe("", "v1", "Event", crds, [])
    core_events.event_shape = "core"
    core_events.objects = [_with_type(o, core_events) for o in event_objects]
    resources.append(core_events)
    served_plurals.add("events")
    if has_new_events:
        new_events = _describe("events.k8s.io", "v1", "Event", crds, [])
        new_events.event_shape = "events.k8s.io"
        new_events.objects = core_events.objects
        resources.append(new_events)

    if not placed.get(("discovery.k8s.io", "EndpointSlice")):
        derived = [sl for ep in bundle.objects("Endpoints") for sl in endpoint_slices_from(ep)]
        if derived:
            res = _describe("discovery.k8s.io", "v1", "EndpointSlice", crds, [])
            res.objects = sorted(derived, key=_sort_key)
            resources.append(res)

    have = {(r.group, r.kind) for r in resources}
    for b in BUILTIN_KINDS:
        if (b.group, b.kind) in have or (b.plural in served_plurals and b.plural != "events"):
            continue  # the bundle holds this kind in another group/version (e.g. extensions)
        resources.append(_describe(b.group, b.version, b.kind, crds, []))
        have.add((b.group, b.kind))
    for (group, kind), info in crds.items():
        if (group, kind) in have:
            continue
        vs = sorted(info["versions"], key=version_priority)
        if vs:
            resources.append(_describe(group, info["storage"] or vs[0], kind, crds, []))
    return Catalog(resources)


def _with_type(obj: dict[str, Any], res: Resource) -> dict[str, Any]:
    if isinstance(obj.get("apiVersion"), str) and obj.get("apiVersion") and obj.get("kind"):
        return obj
    return {"apiVersion": res.group_version, "kind": res.kind, **{k: v for k, v in obj.items() if k != "apiVersion"}}


def _describe(group: str, version: str, kind: str, crds: dict[tuple[str, str], dict[str, Any]],
              objs: list[dict[str, Any]]) -> Resource:
    b = _BUILTIN_BY_GK.get((group, kind))
    if b is not None:
        return Resource(group, version, kind, b.plural, kind.lower(), b.namespaced, list(b.short_names),
                        list(b.categories))
    info = crds.get((group, kind))
    if info is not None:
        columns = info["versions"].get(version)
        return Resource(group, version, kind, info["plural"], info["singular"], info["namespaced"],
                        list(info["short_names"]), list(info["categories"]), columns)
    namespaced = kind not in CLUSTER_SCOPED_KINDS and any(_meta(o).get("namespace") for o in objs)
    return Resource(group, version, kind, plural_of(kind), kind.lower(), namespaced)
