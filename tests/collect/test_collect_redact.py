"""Redaction: secrets planted in objects, logs and node files never survive; structure does."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analyzer.collect.redact import Redactor, is_sensitive_name, redact_url

# Secrets: long enough to be unmistakable when searched for, from realistic alphabets.
SECRET = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=40)
SECRET_PUNCT = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789+/=_-.", min_size=12,
                       max_size=40).filter(lambda s: s[0] not in "-=" and s.strip("=") != "")
NOISE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)
SENSITIVE_NAMES = st.sampled_from(
    ["DB_PASSWORD", "PGPASSWORD", "API_KEY", "apiKey", "ACCESS_TOKEN", "client_secret", "AWS_SECRET_ACCESS_KEY",
     "MYSQL_ROOT_PASSWORD", "GITHUB_TOKEN", "slackWebhookSecret", "REDIS_PASS", "SMTP_CREDENTIALS", "token"]
)
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dump(obj: object) -> str:
    return json.dumps(obj)


def _raw_variants(secret: str) -> list[str]:
    """The forms a leaked secret could take in a file (raw, base64, JSON-escaped)."""
    return [secret, base64.b64encode(secret.encode()).decode().rstrip("=")]


def _assert_gone(text: str, secret: str) -> None:
    for form in _raw_variants(secret):
        assert form not in text, f"{form!r} survived in {text[:400]!r}"


# ----------------------------------------------------------------------------- text


TEXT_TEMPLATES = [
    ("bearer-token", "GET /api 401 Authorization: Bearer {s}"),
    ("bearer-token", 'level=info msg="calling webhook" header="bearer {s}"'),
    ("url-credentials", "connecting to postgres://app:{s}@db.prod.svc:5432/orders"),
    ("url-credentials", "HTTPS_PROXY=http://proxyuser:{s}@10.0.0.1:3128"),
    ("secret-field", "    token: {s}"),
    ("secret-field", '{{"password": "{s}", "user": "bob"}}'),
    ("secret-field", '{{\\"password\\":\\"{s}\\"}}'),
    ("secret-field", "export DB_PASSWORD={s}"),
    ("secret-field", "client-key-data: {s}"),
    ("secret-field", "password='{s}' host=db"),
    ("secret-flag", "kube-apiserver --oidc-client-secret {s} --v=2"),
    ("aws-secret-access-key", "aws_secret_access_key = {s}"),
    ("azure-key", "DefaultEndpointsProtocol=https;AccountName=x;AccountKey={s};EndpointSuffix=core.windows.net"),
]


@PROPS
@given(secret=SECRET_PUNCT, before=NOISE, after=NOISE, template=st.sampled_from(TEXT_TEMPLATES))
def test_text_secret_never_survives(secret: str, before: str, after: str, template: tuple[str, str]) -> None:
    name, form = template
    assume(secret not in before and secret not in after)
    r = Redactor()
    text = f"{before}\n{form.format(s=secret)}\n{after}"
    out = r.text(text)
    _assert_gone(out, secret)
    assert r.counts().get(name, 0) >= 1 or sum(r.counts().values()) >= 1
    # Masking is stable: a second pass changes nothing and counts nothing.
    r2 = Redactor()
    assert r2.text(out) == out
    assert r2.counts() == {}


@PROPS
@given(body=st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", min_size=16,
                             max_size=64), min_size=1, max_size=6),
       kind=st.sampled_from(["", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED "]),
       escaped=st.booleans(), truncated=st.booleans(), before=NOISE)
def test_private_key_block_never_survives(body: list[str], kind: str, escaped: bool, truncated: bool,
                                          before: str) -> None:
    assume(not any(line in before for line in body))
    nl = "\\n" if escaped else "\n"
    block = f"-----BEGIN {kind}PRIVATE KEY-----{nl}" + nl.join(body) + nl
    if not truncated:
        block += f"-----END {kind}PRIVATE KEY-----{nl}after"
    r = Redactor()
    out = r.text(before + " " + block)
    for line in body:
        assert line not in out
    assert r.counts()["private-key"] >= 1
    if not truncated:
        assert out.endswith("after")


@PROPS
@given(head=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=8, max_size=30),
       body=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=8, max_size=60),
       sig=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=8, max_size=60))
def test_jwt_never_survives(head: str, body: str, sig: str) -> None:
    jwt = f"eyJ{head}.eyJ{body}.{sig}"
    r = Redactor()
    out = r.text(f"token rejected: {jwt} (expired)")
    assert jwt not in out and f"eyJ{body}" not in out and sig not in out
    assert sum(r.counts().values()) >= 1


@PROPS
@given(suffix=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16), before=NOISE)
def test_aws_access_key_id_never_survives(suffix: str, before: str) -> None:
    key = "AKIA" + suffix
    assume(key not in before)
    r = Redactor()
    out = r.text(f"{before} using key {key} for s3")
    assert key not in out
    assert r.counts()["aws-access-key-id"] == 1


def test_user_patterns_counted_by_position_never_by_text() -> None:
    r = Redactor([r"ACME-[0-9]{6}", r"session=(\w+)"])
    out = r.text("id ACME-123456 and session=abcdef123 done")
    assert out == "id <redacted> and session=<redacted> done"
    assert r.counts() == {"custom-1": 1, "custom-2": 1}


@pytest.mark.parametrize("bad", ["(", "a*", ""])
def test_bad_user_pattern_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match="--redact-pattern #1"):
        Redactor([bad])


@pytest.mark.parametrize(
    "line",
    [
        'err="open /var/run/secrets/kubernetes.io/serviceaccount/token: no such file or directory"',
        'MountVolume.SetUp failed for volume "certs" : secret "tls-certs" not found',
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub --tls-private-key-file=/etc/k/apiserver.key",
        "--use-service-account-credentials=true --token-ttl=24h0m0s",
        "Failed to pull image: rpc error: unauthorized: authentication required",
        "secretName: tls-certs",
        "https://kubernetes.default.svc:443/api/v1/namespaces",
    ],
)
def test_diagnostic_text_left_alone(line: str) -> None:
    r = Redactor()
    assert r.text(line) == line
    assert r.counts() == {}


# ----------------------------------------------------------------------------- objects


@PROPS
@given(secret=SECRET, name=SENSITIVE_NAMES, value_b64=SECRET)
def test_object_secrets_never_survive(secret: str, name: str, value_b64: str) -> None:
    secret_obj = {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "app", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"pw": secret}}) + "\n"}},
        "data": {"password": base64.b64encode(value_b64.encode()).decode(), "user": "YWRtaW4="},
        "stringData": {"extra": secret},
    }
    pod = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "app"},
        "spec": {"containers": [{
            "name": "app", "image": "app:1",
            "args": ["--listen=:8080", f"--{name.lower().replace('_', '-')}", secret, f"--db-password={secret}"],
            "command": ["/bin/app", f"--token={secret}"],
            "env": [{"name": name, "value": secret}, {"name": "MODE", "value": "prod"},
                    {"name": "DB_URL", "value": f"mysql://root:{secret}@db:3306/x"},
                    {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
        }]},
    }
    cm = {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "app"},
        "data": {name: secret, "app.yaml": f"db:\n  host: db\n  password: {secret}\n", "plain": "hello"},
        "binaryData": {"keystore.p12": base64.b64encode(secret.encode()).decode()},
    }
    custom = {"apiVersion": "example.com/v1", "kind": "Backup", "metadata": {"name": "b", "namespace": "app"},
              "spec": {"s3": {"accessKeySecret": secret, "bucket": "backups", "secretRef": {"name": "s3"}}}}
    r = Redactor()
    objs = [r.obj(copy.deepcopy(o)) for o in (secret_obj, pod, cm, custom)]
    dumped = _dump(objs)
    _assert_gone(dumped, secret)
    assert base64.b64encode(value_b64.encode()).decode() not in dumped
    # Keys, sizes and references remain.
    red_secret, red_pod, red_cm, red_custom = objs
    assert red_secret["data"]["password"] == f"<redacted: {len(value_b64)} bytes>"
    assert red_secret["data"]["user"] == "<redacted: 5 bytes>"
    applied = json.loads(red_secret["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert applied["apiVersion"] == "v1" and applied["stringData"] == {"pw": f"<redacted: {len(secret)} bytes>"}
    env = {e["name"]: e for e in red_pod["spec"]["containers"][0]["env"]}
    assert env["MODE"]["value"] == "prod"
    assert env["FROM_SECRET"]["valueFrom"] == {"secretKeyRef": {"name": "db", "key": "password"}}
    assert red_pod["spec"]["containers"][0]["args"][0] == "--listen=:8080"
    assert red_cm["data"]["plain"] == "hello"
    assert "host: db" in red_cm["data"]["app.yaml"]
    assert red_custom["spec"]["s3"]["secretRef"] == {"name": "s3"} and red_custom["spec"]["s3"]["bucket"] == "backups"
    counts = r.counts()
    assert counts["secret-value"] == 4  # two data, one stringData, one in last-applied
    assert counts["sensitive-env-value"] == 1


@pytest.mark.parametrize("applied", ['{"data": {"token": "c2VjcmV0"}}', "not json {password: hunter22}"])
def test_last_applied_without_kind_or_not_json(applied: str) -> None:
    obj = {"kind": "ConfigMap", "metadata": {"name": "x", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": applied}}}
    out = Redactor().obj(obj)["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert "c2VjcmV0" not in out and "hunter22" not in out


def test_last_applied_without_secrets_is_unchanged() -> None:
    applied = '{"apiVersion":"batch/v1beta1","kind":"CronJob","metadata":{"name":"n"}}\n'
    obj = {"kind": "CronJob", "metadata": {"name": "n", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": applied}}}
    r = Redactor()
    assert r.obj(obj)["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] == applied
    assert r.counts() == {}


def test_structure_names_are_not_masked() -> None:
    pod = {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "x"}},
           "spec": {"tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}],
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In",
                                                                     "values": ["a"]}]}]}}},
                    "volumes": [{"name": "tls", "secret": {"secretName": "tls", "items": [{"key": "tls.key",
                                                                                             "path": "tls.key"}]}}],
                    "automountServiceAccountToken": False,
                    "containers": [{"name": "c", "env": [{"name": "TOKEN_URL", "value": "https://sso/token"},
                                                          {"name": "USE_TOKEN", "value": "true"}]}]}}
    before = copy.deepcopy(pod)
    r = Redactor()
    assert r.obj(pod) == before
    assert r.counts() == {}


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [("DB_PASSWORD", True), ("apiKey", True), ("--token", True), ("client_secret", True), ("PGPASSWORD", True),
     ("secretName", False), ("secretKeyRef", False), ("key", False), ("--tls-private-key-file", False),
     ("TOKEN_URL", False), ("KEYCLOAK_URL", False), ("keyring", False), ("passwordSecretRef", False)],
)
def test_sensitive_names(name: str, sensitive: bool) -> None:
    assert is_sensitive_name(name) is sensitive


def test_data_keeps_bytes_that_are_not_utf8() -> None:
    raw = b"\xff\xfe binary \x00 token: abcdefghijkl\n"
    out = Redactor().data(raw)
    assert b"abcdefghijkl" not in out and out.startswith(b"\xff\xfe binary \x00")


def test_redact_url_hides_host_and_credentials() -> None:
    assert redact_url("https://admin:pw@api.prod.example.com:6443/path") == "https://<redacted>:6443"
    assert redact_url("https://10.0.0.1") == "https://<redacted>"
    assert redact_url(None) is None


# ----------------------------------------------------------------------------- hardening (issue 14)

URL_SECRET = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789_-.", min_size=12, max_size=40)

STRUCTURAL_TEMPLATES = [
    ("secret-field", "starting worker --db-pass={s} --workers=4"),
    ("secret-field", "spring.datasource.db.pass={s}"),
    ("secret-field", "MYSQL_PWD={s} mysqld --port=3306"),
    ("secret-field", "user=bob password={s} token={s} host=db"),
    ("secret-flag", "app --db-pass {s} --verbose"),
    ("mysql-password", "running: mysql -h db -u root -p{s} orders < dump.sql"),
    ("mysql-password", "mysqldump --single-transaction -uroot -p'{s}' shop"),
    ("curl-user", "curl -sSf -u admin:{s} https://nexus.local/repository/"),
    ("curl-user", 'curl --user "deploy:{s}" -X POST http://hook'),
    ("url-credentials", "sentry: https://{s}@o4501.ingest.sentry.io/450"),
    ("url-credentials", "cloning https://{s}@github.com/acme/app.git"),
    ("dsn-credentials", 'dsn="app:{s}@tcp(mysql.db.svc:3306)/orders?parseTime=true"'),
    ("dsn-credentials", "connecting to root:{s}@unix(/var/run/mysqld/mysqld.sock)/"),
    ("secret-field", 'level=info msg="config" cfg={{"db": {{"password": {{"value": "{s}"}}, "host": "db"}}}}'),
    ("secret-field", '{{"apiKeys": ["{s}", "other-key-0000"], "ok": true}}'),
    ("secret-field", '{{"credentials":{{"type":"password","value":"{s}","temporary":false}}}}'),
    ("secret-field", "loaded tokens: [{s}, second]"),
]


@PROPS
@given(secret=URL_SECRET, before=NOISE, after=NOISE, template=st.sampled_from(STRUCTURAL_TEMPLATES))
def test_structural_text_secrets_never_survive(secret: str, before: str, after: str,
                                                template: tuple[str, str]) -> None:
    """pass/pwd keys, several pairs on one line, mysql -pX, curl -u user:X, KEY@host URLs, Go DSNs."""
    name, form = template
    assume(secret not in before and secret not in after and not secret.startswith(("-", ".")))
    r = Redactor()
    out = r.text(f"{before}\n{form.format(s=secret)}\n{after}")
    _assert_gone(out, secret)
    assert r.counts().get(name, 0) >= 1, (name, r.counts())
    r2 = Redactor()
    assert r2.text(out) == out and r2.counts() == {}


@pytest.mark.parametrize(
    "line",
    [
        "ssh://git@github.com/acme/app.git",
        "imageID: docker-pullable://redis@sha256:af0be38eb8e43191bae9b03fe5c928803930b6f93e2dde3a7ad1165c04b",
        "PWD=/home/app",
        "tests passed: 12, bypass=true compass: north",
        "-bypass-auth-for=^/-/(healthy|ready)$",
        "mysql -p -h db orders",
        "curl -u admin https://x",
    ],
)
def test_structural_lookalikes_left_alone(line: str) -> None:
    r = Redactor()
    assert r.text(line) == line
    assert r.counts() == {}


@PROPS
@given(body=st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", min_size=16,
                             max_size=64), min_size=1, max_size=8),
       kind=st.sampled_from(["", "RSA ", "EC ", "OPENSSH "]), escaped=st.booleans(), cut=st.integers(0, 60),
       before=NOISE)
def test_key_block_cut_before_its_begin_line_never_survives(body: list[str], kind: str, escaped: bool, cut: int,
                                                             before: str) -> None:
    """A capped log that starts inside a key block: the body lines before END are masked."""
    assume(not any(line in before for line in body))
    nl = "\\n" if escaped else "\n"
    block = f"-----BEGIN {kind}PRIVATE KEY-----{nl}" + nl.join(body) + f"{nl}-----END {kind}PRIVATE KEY-----{nl}after"
    start = block.index(nl) + len(nl) + min(cut, len(body[0]))  # inside the first body line
    tail = block[start:]
    first_partial = tail.split(nl, 1)[0]
    r = Redactor()
    out = r.text(before + nl + tail if before else tail)
    for line in body[1:]:
        assert line not in out
    if len(first_partial) + sum(len(x) for x in body[1:]) >= 16:
        assert first_partial not in out or len(first_partial) < 8
        assert r.counts()["private-key"] >= 1
    assert out.endswith("after")


def _applied(obj: dict) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _gzip_b64(text: str) -> str:
    import gzip
    return base64.b64encode(gzip.compress(text.encode())).decode().rstrip("=")  # wrangler: RawStdEncoding


def _zip_b64(text: str) -> str:
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("original", text)
    return base64.b64encode(buf.getvalue()).decode()


APPLIED_COPIES = [
    ("kubectl.kubernetes.io/last-applied-configuration", lambda t: t + "\n"),
    ("kapp.k14s.io/original", lambda t: t),
    ("objectset.rio.cattle.io/applied", _gzip_b64),
    ("objectset.rio.cattle.io/applied", lambda t: t),
    ("banzaicloud.com/last-applied", _zip_b64),
    ("example.com/any-json-annotation", lambda t: t),
]


@PROPS
@given(secret=SECRET, env=SECRET, copy_index=st.integers(0, len(APPLIED_COPIES) - 1))
def test_applied_copy_annotations_are_redacted_as_the_object(secret: str, env: str, copy_index: int) -> None:
    """Every known applied-object annotation (JSON, gzip+base64, zip+base64) loses the Secret
    data and env values it copies, keeps its encoding and the applied apiVersion."""
    from analyzer.collect.redact import decode_applied_copy

    annotation, encode = APPLIED_COPIES[copy_index]
    applied_secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                      "data": {"password": base64.b64encode(secret.encode()).decode()}, "stringData": {"x": secret}}
    applied_deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                      "spec": {"template": {"spec": {"containers": [
                          {"name": "app", "env": [{"name": "API_TOKEN", "value": env}]}]}}}}
    r = Redactor()
    for applied in (applied_secret, applied_deploy):
        obj = {"apiVersion": applied["apiVersion"], "kind": applied["kind"],
               "metadata": {"name": "x", "annotations": {annotation: encode(_applied(applied))}}}
        out = r.obj(obj)["metadata"]["annotations"][annotation]
        decoded = decode_applied_copy(out)
        assert decoded is not None, out[:80]
        doc, _encoding = decoded
        dumped = _dump(doc)
        _assert_gone(dumped, secret)
        _assert_gone(dumped, env)
        _assert_gone(out, secret)
        assert doc["apiVersion"] == applied["apiVersion"]
        if encode is _gzip_b64:
            assert out.startswith("H4sI") and not out.endswith("=")
    assert r.counts()["secret-value"] == 2 and r.counts()["sensitive-env-value"] == 1


@pytest.mark.parametrize("annotation", ["kapp.k14s.io/original", "objectset.rio.cattle.io/applied",
                                        "banzaicloud.com/last-applied", "kapp.k14s.io/original-diff"])
def test_undecodable_applied_copy_is_masked_whole(annotation: str) -> None:
    value = "H4sI-not-really-gzip password=hunter22hunter22" if "diff" not in annotation else (
        '[{"op":"replace","path":"/data/password","value":"hunter22hunter22"}]')
    obj = {"kind": "ConfigMap", "metadata": {"name": "x", "annotations": {annotation: value}}}
    r = Redactor()
    out = r.obj(obj)["metadata"]["annotations"][annotation]
    assert out == f"<redacted: {len(value)} bytes>"
    assert r.counts() == {"applied-copy": 1}


def _helm_payload(values: dict) -> str:
    import gzip
    release = {"name": "shop", "chart": {"metadata": {"name": "shop"}}, "config": values, "version": 3}
    return base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()


@PROPS
@given(secret=SECRET, labels=st.sampled_from([
    {"owner": "helm", "name": "shop", "status": "deployed", "version": "3"},
    {"OWNER": "TILLER", "NAME": "shop", "STATUS": "DEPLOYED", "VERSION": "3"}]))
def test_helm_release_configmaps_are_redacted_like_release_secrets(secret: str, labels: dict) -> None:
    """Helm's ConfigMap driver (Helm 3 owner=helm, Helm 2 OWNER=TILLER) keeps the release,
    values included, in data.release: masked to its size, labels kept."""
    payload = _helm_payload({"db": {"password": secret}})
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "shop.v3", "namespace": "kube-system", "labels": dict(labels)},
          "data": {"release": payload}}
    r = Redactor()
    out = r.obj(copy.deepcopy(cm))
    assert out["data"] == {"release": f"<redacted: {len(payload)} bytes>"}
    assert out["metadata"]["labels"] == labels
    assert r.counts() == {"helm-release": 1}
    plain = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "labels": {"owner": "team-a"}},
             "data": {"release": "v1.2.3"}}
    assert Redactor().obj(copy.deepcopy(plain)) == plain


@PROPS
@given(secret=SECRET, number=st.integers(min_value=1000, max_value=10**12), name=SENSITIVE_NAMES)
def test_structural_object_secrets_never_survive(secret: str, number: int, name: str) -> None:
    """{type: password, value: X} (Keycloak), sensitive keys holding a map, a list or a number."""
    realm = {"apiVersion": "keycloak.org/v1alpha1", "kind": "KeycloakUser", "metadata": {"name": "u"},
             "spec": {"user": {"username": "admin", "credentials": [
                 {"type": "password", "value": secret, "temporary": False}]}}}
    custom = {"apiVersion": "example.com/v1", "kind": "App", "metadata": {"name": "a"},
              "spec": {"adminPassword": {"value": secret, "secretKeyRef": {"name": "s", "key": "k"}},
                       "apiKeys": [secret + "A", secret + "B"], "pin": 1, name: number,
                       "passwordSecret": {"name": "db", "key": "password"},
                       "params": [{"key": "accessToken", "value": secret + "C"}]}}
    r = Redactor()
    red_realm, red_custom = (r.obj(copy.deepcopy(o)) for o in (realm, custom))
    dumped = _dump([red_realm, red_custom])
    for s in (secret, secret + "A", secret + "B", secret + "C"):
        _assert_gone(dumped, s)
    assert str(number) not in dumped
    assert red_realm["spec"]["user"]["credentials"][0] == {"type": "password", "value": "<redacted>",
                                                           "temporary": False}
    assert red_realm["spec"]["user"]["username"] == "admin"
    spec = red_custom["spec"]
    assert spec["adminPassword"]["secretKeyRef"] == {"name": "s", "key": "k"}  # a reference, kept
    assert spec["passwordSecret"] == {"name": "db", "key": "password"}
    assert spec["pin"] == 1


def test_secret_references_and_lookup_keys_are_not_masked() -> None:
    """Volumes, projected tokens, Secret name lists and lookup keys stay readable."""
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "topologySpreadConstraints": [{"topologyKey": "topology.kubernetes.io/zone", "maxSkew": 1}],
        "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "kubernetes.io/hostname"}]}},
        "volumes": [{"name": "tls", "secret": {"secretName": "tls", "defaultMode": 420, "optional": True,
                                               "items": [{"key": "tls.key", "path": "tls.key"}]}},
                    {"name": "tok", "projected": {"sources": [{"serviceAccountToken": {
                        "path": "token", "expirationSeconds": 3600, "audience": "vault"}}]}}],
        "imagePullSecrets": [{"name": "regcred"}]}}
    prom = {"kind": "Prometheus", "metadata": {"name": "k8s"}, "spec": {"secrets": ["etcd-client", "kube-etcd-certs"]}}
    crd = {"kind": "CustomResourceDefinition", "metadata": {"name": "x"}, "spec": {"versions": [{"schema": {
        "openAPIV3Schema": {"properties": {"ports": {"x-kubernetes-list-map-keys": ["containerPort", "protocol"]}}}}}]}}
    for obj in (pod, prom, crd):
        before = copy.deepcopy(obj)
        r = Redactor()
        assert r.obj(obj) == before
        assert r.counts() == {}


_KEYS = st.sampled_from(["name", "value", "type", "key", "password", "apiKeys", "credentials", "secretName",
                         "topologyKey", "data", "stringData", "items", "spec", "env", "token", "args", "PWD"])
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), SECRET)
_JSONISH = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(_KEYS, inner, max_size=5)), max_leaves=25)
_ANNOTATION_VALUES = st.one_of(st.text(max_size=60), _JSONISH.map(json.dumps),
                               _JSONISH.map(lambda v: _gzip_b64(json.dumps({"kind": "Secret", "data": v}))))


@PROPS
@given(kind=st.sampled_from(["Secret", "ConfigMap", "Pod", "Widget"]), body=st.dictionaries(_KEYS, _JSONISH, max_size=5),
       annotations=st.dictionaries(st.sampled_from([a for a, _ in APPLIED_COPIES] + ["kapp.k14s.io/original-diff"]),
                                   _ANNOTATION_VALUES, max_size=3),
       labels=st.sampled_from([{}, {"owner": "helm"}, {"OWNER": "TILLER"}]))
def test_any_object_redacts_without_error_and_twice_changes_nothing(kind: str, body: dict, annotations: dict,
                                                                    labels: dict) -> None:
    obj = {"kind": kind, "metadata": {"name": "x", "labels": labels, "annotations": annotations}, **body}
    once = Redactor().obj(obj)
    again = Redactor()
    assert again.obj(copy.deepcopy(once)) == once
    assert again.counts() == {}
