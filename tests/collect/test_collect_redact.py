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
