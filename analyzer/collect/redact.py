"""Redaction: mask secrets in Kubernetes objects and in text before anything touches disk.

One :class:`Redactor` per collection.  It masks

* Secret objects: every ``data``/``stringData`` value becomes ``<redacted: N bytes>`` (keys and
  sizes kept, values never), ConfigMap ``binaryData`` likewise;
* in every object: the ``kubectl.kubernetes.io/last-applied-configuration`` annotation (it
  holds whatever was applied, Secret data included) is redacted as an object itself (its
  shape kept: rules read the applied apiVersion), ``value`` of ``{name, value}`` pairs
  (env vars) whose name looks like a password, token, secret, key or credential, string
  values of map keys that look like one (``password: x`` in a ConfigMap or a custom
  resource), and the value after ``--password``-style arguments;
* in every string of an object and in all text (logs, node files): bearer and basic
  authorization headers, private key blocks, JWTs, AWS access key ids and secret keys,
  Google API keys, Azure account keys and SAS signatures, GitHub/Slack tokens, credentials
  in URLs (``scheme://user:pass@host``), kubeconfig and YAML/INI/env ``token:``,
  ``password=``, ``client-key-data:``-style fields, plus user patterns.

It counts what it masks per pattern name (:meth:`Redactor.counts`), never the values.
Structure names are left alone: ``secretKeyRef``, ``key: app`` in a selector, ``secretName``,
``--tls-private-key-file=/path`` (names ending in file/path/name/ref/... are references, not
secrets).  Masks are recognisable (``<redacted...>``) and redacting twice changes nothing.
Thread-safe: counts are merged under a lock.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MASK = "<redacted>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# ----------------------------------------------------------------------------- names

# Words that make a name sensitive wherever they appear inside one of its tokens.
_SENSITIVE_SUBSTRINGS = (
    "password", "passwd", "passphrase", "secret", "credential", "apikey", "privatekey",
    "accesskey", "secretkey", "authtoken", "accesstoken", "bearertoken",
)
# Whole tokens that make a name sensitive.
_SENSITIVE_TOKENS = frozenset(
    {"pass", "pwd", "pw", "token", "tokens", "key", "keys", "creds", "cred", "auth", "sig", "signature",
     "apitoken", "idtoken", "sastoken", "pat"}
)
# A last token that makes the name a reference or a setting, not a secret.
_EXEMPT_LAST = frozenset(
    {"file", "files", "path", "paths", "dir", "directory", "ref", "refs", "name", "names", "namespace", "id",
     "ids", "type", "types", "url", "uri", "endpoint", "length", "ttl", "expiry", "expiration", "expires",
     "seconds", "minutes", "hours", "days", "enabled", "enable", "disabled", "size", "mode", "format",
     "algorithm", "usages", "usage", "policy", "provider", "selector", "version", "count", "required",
     "header", "source", "sources", "from", "template", "store", "audience", "audiences", "issuer",
     "kind", "field", "fields", "rotation", "strategy", "period", "duration", "timeout", "max", "min",
     "location", "volume", "mount", "items"}
)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


def name_tokens(name: str) -> list[str]:
    """``"AWS_SECRET_ACCESS_KEY"`` -> ``["aws", "secret", "access", "key"]``; camelCase split."""
    return [t for t in _SPLIT.split(_CAMEL.sub(r"\1_\2", name).lower()) if t]


def is_sensitive_name(name: str) -> bool:
    """Whether a variable, flag or field name looks like it holds a secret value.

    ``DB_PASSWORD``, ``apiKey``, ``--token``, ``client_secret`` are; ``secretName``,
    ``secretKeyRef``, ``key``, ``--tls-private-key-file``, ``TOKEN_URL`` are not."""
    tokens = name_tokens(name)
    if not tokens or tokens[-1] in _EXEMPT_LAST or tokens in (["key"], ["keys"]):
        return False
    for t in tokens:
        if t in _SENSITIVE_TOKENS or any(w in t for w in _SENSITIVE_SUBSTRINGS):
            return True
        if t.endswith("token") or t.endswith("password") or t.endswith("secret"):
            return True
    return False


# ----------------------------------------------------------------------------- text patterns


@dataclass(frozen=True)
class TextPattern:
    """A named regex; ``replace`` maps a match to its masked text (or the match unchanged)."""

    name: str
    regex: re.Pattern[str]
    replace: Callable[[re.Match[str]], str]


def _keep_group(group: int | str) -> Callable[[re.Match[str]], str]:
    """Mask everything of the match after ``group`` (the kept prefix)."""

    def repl(m: re.Match[str]) -> str:
        return m.group(group) + MASK

    return repl


def _whole(label: str) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        return f"<redacted:{label}>"

    return repl


def _private_key(m: re.Match[str]) -> str:
    label = (m.group("kind") or "") + "PRIVATE KEY" + (m.group("blk") or "")
    return f"-----BEGIN {label}-----{MASK}-----END {label}-----"


_KV_KEY_WORDS = (
    r"password|passwd|passphrase|secret|token|credentials?|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|client[_-]?key[_-]?data|auth[_-]?key|account[_-]?key"
)
_KV = re.compile(
    # a key containing a sensitive word, not part of a path (".../serviceaccount/token: x")
    r"(?P<key>(?<![/\w.\\-])[\w.-]*(?:" + _KV_KEY_WORDS + r")[\w.-]*)"
    # separator: quotes (possibly JSON-escaped), then ':' or '='
    r"(?P<sep>(?:\\?[\"'])?[ \t]*(?P<op>[:=])[ \t]*)"
    r"(?:(?P<q>\\?[\"'])(?P<qv>[^\n]*?)(?P=q)"
    r"|(?P<value>(?!<redacted)[^\s\"'\\,;&}\]][^\n\r\"'\\,;&}\]]*))",
    re.IGNORECASE,
)
_FLAG_SPACE = re.compile(
    r"(?P<key>(?<![\w-])--?[\w.-]*(?:" + _KV_KEY_WORDS + r")[\w.-]*)(?P<sep>[ \t]+)"
    r"(?P<value>(?!<redacted)(?!-)[^\s\"'\\,;&]+)",
    re.IGNORECASE,
)


_TRIVIAL = frozenset({"", "true", "false", "yes", "no", "on", "off", "none", "null", "nil", "enabled", "disabled"})


def _trivial(value: str) -> bool:
    """Values that are settings, not secrets (``--use-service-account-credentials=true``)."""
    return value.strip().strip("\"'").lower() in _TRIVIAL or value.startswith("<redacted")


def _kv_repl(m: re.Match[str]) -> str:
    key = m.group("key")
    if not is_sensitive_name(key):
        return m.group(0)
    groups = m.groupdict()
    if groups.get("q") is not None:
        if _trivial(groups["qv"]):
            return m.group(0)
        return key + m.group("sep") + groups["q"] + MASK + groups["q"]
    value = m.group("value")
    rest = ""
    if groups.get("op") == "=" or "op" not in groups:
        cut = re.search(r"\s", value)
        if cut:
            value, rest = value[: cut.start()], value[cut.start():]
    else:
        stripped = value.rstrip(" \t")
        value, rest = stripped, value[len(stripped):]
    if _trivial(value):
        return m.group(0)
    return key + m.group("sep") + MASK + rest


def _url_repl(m: re.Match[str]) -> str:
    pw = m.group("pw")
    if not pw or pw.startswith("<redacted"):
        return m.group(0)
    return m.group("pre") + MASK + "@"


BUILTIN_PATTERNS: tuple[TextPattern, ...] = (
    TextPattern(
        "private-key",
        re.compile(
            r"-----BEGIN (?P<kind>[A-Z0-9 ]*?)PRIVATE KEY(?P<blk>(?: BLOCK)?)-----(?!<redacted>)"
            # up to the matching END line, or (a truncated block) the base64 lines that follow
            r"(?:.*?-----END (?P=kind)PRIVATE KEY(?P=blk)-----|(?:(?:\s|\\[nr])*[A-Za-z0-9+/=]{16,})*)",
            re.DOTALL,
        ),
        _private_key,
    ),
    TextPattern(
        "bearer-token",
        re.compile(r"(?P<pre>\b(?i:bearer)[ \t]+)(?!<redacted)[A-Za-z0-9\-._~+/=]{8,}"),
        _keep_group("pre"),
    ),
    TextPattern(
        "basic-auth",
        re.compile(r"(?P<pre>(?i:authorization)(?:\\?[\"'])?[ \t]*[:=][ \t]*(?:\\?[\"'])?(?i:basic)[ \t]+)"
                   r"(?!<redacted)[A-Za-z0-9+/]{4,}=*"),
        _keep_group("pre"),
    ),
    TextPattern(
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
        _whole("jwt"),
    ),
    TextPattern("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
                _whole("aws-access-key-id")),
    TextPattern(
        "aws-secret-access-key",
        re.compile(r"(?P<pre>(?i:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)"
                   r"(?:\\?[\"'])?[ \t]*[:=][ \t]*(?:\\?[\"'])?)(?!<redacted)[A-Za-z0-9/+=]{8,}"),
        _keep_group("pre"),
    ),
    TextPattern("gcp-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), _whole("gcp-api-key")),
    TextPattern(
        "azure-key",
        re.compile(r"(?P<pre>\b(?i:AccountKey|SharedAccessKey|SharedAccessSignature|sig)=)"
                   r"(?!<redacted)[A-Za-z0-9%+/=_-]{8,}"),
        _keep_group("pre"),
    ),
    TextPattern(
        "vendor-token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}"
                   r"|glpat-[A-Za-z0-9_-]{20,}|sk_live_[A-Za-z0-9]{20,})"),
        _whole("token"),
    ),
    TextPattern(
        "url-credentials",
        re.compile(r"(?P<pre>\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s/:@\"'<>]+:)(?P<pw>[^\s\"']*)@"),
        _url_repl,
    ),
    TextPattern("secret-field", _KV, _kv_repl),
    TextPattern("secret-flag", _FLAG_SPACE, _kv_repl),
)

# A cheap test that lets the vast majority of strings skip every pattern.
_PREFILTER = re.compile(
    r"(?i)bearer|basic|private key|eyJ|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|aws|AIza|sig=|accountkey|sharedaccess"
    r"|gh[pousr]_|github_pat|xox|glpat|sk_live|://|pass|pwd|secret|token|credential|key|auth"
)


# ----------------------------------------------------------------------------- the redactor


class Redactor:
    """Masks secrets and counts the masks per pattern name.

    ``extra_patterns`` are user regexes (``--redact-pattern``): the whole match is masked,
    or only group 1 when the pattern has groups.  They are counted as ``custom-1``,
    ``custom-2``... (the pattern text itself is never recorded: it may contain a secret).
    Raises ``ValueError`` naming the pattern position for an invalid regex."""

    def __init__(self, extra_patterns: Iterable[str] = ()) -> None:
        patterns = list(BUILTIN_PATTERNS)
        self._custom: list[re.Pattern[str]] = []
        for i, text in enumerate(extra_patterns, 1):
            try:
                rx = re.compile(text)
            except re.error as e:
                raise ValueError(f"--redact-pattern #{i} is not a valid regular expression: {e}") from None
            if rx.fullmatch("") is not None:
                raise ValueError(f"--redact-pattern #{i} matches the empty string")
            self._custom.append(rx)
            patterns.append(TextPattern(f"custom-{i}", rx, _custom_repl))
        self.patterns: tuple[TextPattern, ...] = tuple(patterns)
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ counts
    def counts(self) -> dict[str, int]:
        """Masks per pattern name so far (names only; never the values)."""
        with self._lock:
            return dict(sorted((k, v) for k, v in self._counts.items() if v))

    def _add(self, local: Counter[str]) -> None:
        if local:
            with self._lock:
                self._counts.update(local)

    # ------------------------------------------------------------------ text
    def text(self, s: str) -> str:
        """Mask every secret in a text (log, node file, any string)."""
        local: Counter[str] = Counter()
        out = self._text(s, local)
        self._add(local)
        return out

    def data(self, raw: bytes) -> bytes:
        """:meth:`text` for bytes: UTF-8 when it decodes, else byte-for-byte Latin-1."""
        try:
            s = raw.decode("utf-8")
            enc = "utf-8"
        except UnicodeDecodeError:
            s = raw.decode("latin-1")
            enc = "latin-1"
        out = self.text(s)
        return raw if out == s else out.encode(enc)

    def _text(self, s: str, local: Counter[str]) -> str:
        if not s or (not self._custom and _PREFILTER.search(s) is None):
            return s
        for p in self.patterns:
            n = 0

            def repl(m: re.Match[str], p: TextPattern = p) -> str:
                nonlocal n
                new = p.replace(m)
                if new != m.group(0):
                    n += 1
                return new

            s = p.regex.sub(repl, s)
            if n:
                local[p.name] += n
        return s

    # ------------------------------------------------------------------ objects
    def obj(self, obj: Any) -> Any:
        """Redact one Kubernetes object (or List) in place and return it."""
        local: Counter[str] = Counter()
        self._obj(obj, local)
        self._add(local)
        return obj

    def _obj(self, obj: Any, local: Counter[str]) -> None:
        if not isinstance(obj, dict):
            return
        if isinstance(obj.get("items"), list) and str(obj.get("kind", "")).endswith("List"):
            for item in obj["items"]:
                self._obj(item, local)
            return
        kind = obj.get("kind")
        if kind == "Secret":
            for field in ("data", "stringData"):
                values = obj.get(field)
                if isinstance(values, dict):
                    for k, v in values.items():
                        values[k] = _size_marker(v, base64_encoded=field == "data")
                        local["secret-value"] += 1
        elif kind == "ConfigMap" and isinstance(obj.get("binaryData"), dict):
            for k, v in obj["binaryData"].items():
                obj["binaryData"][k] = _size_marker(v, base64_encoded=True)
                local["configmap-binary-data"] += 1
        self._walk(obj, local, parent_key="")

    def _walk(self, node: Any, local: Counter[str], parent_key: str) -> Any:
        """Return the redacted value of ``node`` (containers are changed in place)."""
        if isinstance(node, str):
            return self._text(node, local)
        if isinstance(node, dict):
            in_meta_map = parent_key in ("annotations", "labels")
            pair_name = node.get("name") if isinstance(node.get("value"), str) else None
            for k, v in node.items():
                if isinstance(v, str):
                    if in_meta_map:
                        if k == LAST_APPLIED and not v.startswith("<redacted"):
                            node[k] = self._last_applied(v, local)
                            continue
                    elif k == "value" and isinstance(pair_name, str) and is_sensitive_name(pair_name):
                        if not _trivial(v):
                            node[k] = MASK
                            local["sensitive-env-value"] += 1
                        continue
                    elif is_sensitive_name(k) and not _trivial(v):
                        node[k] = MASK
                        local["sensitive-field"] += 1
                        continue
                    node[k] = self._text(v, local)
                elif isinstance(v, list) and k in ("args", "command") and all(isinstance(a, str) for a in v):
                    self._args(v, local)
                elif isinstance(v, (dict, list)):
                    self._walk(v, local, k)
            return node
        if isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    node[i] = self._text(v, local)
                elif isinstance(v, (dict, list)):
                    self._walk(v, local, parent_key)
            return node
        return node

    def _last_applied(self, text: str, local: Counter[str]) -> str:
        """The last-applied annotation holds a whole object as applied (a Secret's data, env
        values): redact it as an object, keep its shape (rules read its apiVersion); if it is
        not JSON, mask it whole."""
        try:
            doc = json.loads(text)
        except ValueError:
            local["last-applied-configuration"] += 1
            return f"<redacted: {len(text.encode())} bytes>"
        if not isinstance(doc, dict):
            return self._text(text, local)
        inner: Counter[str] = Counter()
        secret_shaped = "kind" not in doc and any(isinstance(doc.get(f), dict) for f in ("data", "stringData"))
        if secret_shaped:
            doc["kind"] = "Secret"  # treat data as a Secret's, whatever else it may be
        self._obj(doc, inner)
        if secret_shaped:
            del doc["kind"]
        if not inner:
            return text  # nothing secret inside: unchanged, byte for byte
        local.update(inner)
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + ("\n" if text.endswith("\n") else "")

    def _args(self, args: list[str], local: Counter[str]) -> None:
        """``["--password", "x"]`` -> value masked; ``--token=x`` is left to the text patterns."""
        mask_next = False
        for i, a in enumerate(args):
            if mask_next and not a.startswith("-") and not _trivial(a):
                args[i] = MASK
                local["sensitive-argument"] += 1
                mask_next = False
                continue
            mask_next = False
            if a.startswith("-") and "=" not in a and is_sensitive_name(a.lstrip("-")):
                mask_next = True
            args[i] = self._text(a, local)


def _custom_repl(m: re.Match[str]) -> str:
    if m.re.groups >= 1 and m.group(1) is not None:
        start, end = m.span(1)
        base = m.start()
        s = m.group(0)
        return s[: start - base] + MASK + s[end - base:]
    return MASK


def _size_marker(value: Any, base64_encoded: bool) -> str:
    if isinstance(value, str) and value.startswith("<redacted"):
        return value
    if not isinstance(value, str):
        return "<redacted>"
    size = len(value.encode())
    if base64_encoded:
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            pass
    return f"<redacted: {size} bytes>"


def redact_url(url: str | None) -> str | None:
    """A server URL fit for the manifest: scheme and port kept, host and credentials hidden."""
    if not url:
        return url
    m = re.match(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/]*@)?(?P<host>\[[^\]]*\]|[^:/?#]*)(?::(?P<port>\d+))?",
                 url)
    if not m:
        return "<redacted>"
    port = f":{m.group('port')}" if m.group("port") else ""
    return f"{m.group('scheme')}://<redacted>{port}"
