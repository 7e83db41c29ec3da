"""Redaction: mask secrets in Kubernetes objects and in text before anything touches disk.

One :class:`Redactor` per collection.  It masks

* Secret objects: every ``data``/``stringData`` value becomes ``<redacted: N bytes>`` (keys and
  sizes kept, values never), ConfigMap ``binaryData`` likewise, and so is every ``data``
  value of a Helm release stored in a ConfigMap (labels ``owner=helm``, Helm 3, or
  ``OWNER=TILLER``, Helm 2: the payload holds the release's values);
* in every object: annotations that hold a copy of the applied object (Secret data included:
  :data:`APPLIED_COPY_ANNOTATIONS`, JSON or base64 gzip/zip) are redacted as the object they
  copy (JSON shape kept: rules read the applied apiVersion; undecodable copies are masked
  whole), and so is any annotation whose value is a JSON object; ``value`` of ``{name|type|key,
  value}`` pairs (env vars, Keycloak credentials) whose name looks like a password, token,
  secret, key or credential; values of map keys that look like one (``password: x`` in a
  ConfigMap or a custom resource, a number, each item of a list, the leaves of a map under
  such a key except references such as ``secretName``); the value after
  ``--password``-style arguments;
* in every string of an object and in all text (logs, node files): bearer and basic
  authorization headers, private key blocks (also the tail of a block whose start was cut
  off), JWTs, AWS access key ids and secret keys, Google API keys, Azure account keys and
  SAS signatures, GitHub/Slack tokens, credentials in URLs (``scheme://user:pass@host`` and
  ``https://KEY@host``) and Go DSNs (``user:pass@tcp(host)``), ``mysql -pX``, ``curl -u
  user:X``, kubeconfig and YAML/INI/env ``token:``, ``password=``, ``db.pass=``,
  ``client-key-data:``-style fields, plus user patterns.

It counts what it masks per pattern name (:meth:`Redactor.counts`), never the values.
Structure names are left alone: ``secretKeyRef``, ``key: app`` in a selector, ``secretName``,
``--tls-private-key-file=/path`` (names ending in file/path/name/ref/... are references, not
secrets).  Masks are recognisable (``<redacted...>``) and redacting twice changes nothing.
Thread-safe: counts are merged under a lock.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from analyzer.collect.applied_copies import (
    APPLIED_COPY_ANNOTATIONS,
    APPLIED_DIFF_ANNOTATIONS,
    decode_applied_copy,
    encode_applied_copy,
)

MASK = "<redacted>"
__all__ = ["MASK", "Redactor", "decode_applied_copy", "is_sensitive_name", "redact_url"]
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
     "location", "volume", "mount", "items", "port", "ports", "limit", "interval", "retries", "description",
     "title", "host", "hosts", "hostname", "server", "address", "registry"}
)
# Words before "key"/"keys" that make it a lookup or public key, not a secret (topologyKey,
# x-kubernetes-list-map-keys, sortKey, publicKey, sshAuthorizedKeys).
_STRUCTURAL_KEY_OWNERS = frozenset(
    {"topology", "sort", "partition", "routing", "map", "label", "labels", "match", "primary", "foreign", "cache",
     "lookup", "hash", "shard", "sharding", "group", "grouping", "node", "selector", "annotation", "list", "index",
     "dedup", "idempotency", "object", "field", "column", "metric", "tag", "join", "unique", "composite", "order",
     "ordering", "row", "dimension", "public", "authorized", "trusted", "sign"}
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
    for i, t in enumerate(tokens):
        if t in ("key", "keys") and i > 0 and tokens[i - 1] in _STRUCTURAL_KEY_OWNERS:
            continue
        if t == "auth" and i < len(tokens) - 1:
            continue  # "auth" names a credential only at the end (basic-auth), not in bypass-auth-for
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
    r"pass|pwd|secret|token|credentials?|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|client[_-]?key[_-]?data|auth[_-]?key|account[_-]?key"
)
_KV = re.compile(
    # a key containing a sensitive word, not part of a path (".../serviceaccount/token: x")
    # (the whole word, possessive: linear time; the callback checks it names a secret)
    r"(?P<key>(?<![/\w.\\-])[\w.-]++)"
    # separator: quotes (possibly JSON-escaped), then ':' or '='
    r"(?P<sep>(?:\\?[\"'])?[ \t]*(?P<op>(?P<eq>=)|:)[ \t]*)"
    r"(?:(?P<q>\\?[\"'])(?P<qv>[^\n]*?)(?P=q)"
    # an unquoted value: up to white space after '=' (several pairs on a line), to the end of
    # the line after ':' (YAML)
    r"|(?P<value>(?!<redacted)[^\s\"'\\,;&}\]](?(eq)[^\s\"'\\,;&}\]]*|[^\n\r\"'\\,;&}\]]*)))",
    re.IGNORECASE,
)
_FLAG_SPACE = re.compile(
    r"(?P<key>(?<![\w-])--?[\w.-]++)(?P<sep>[ \t]+)"
    r"(?P<value>(?!<redacted)(?!-)[^\s\"'\\,;&]+)",
    re.IGNORECASE,
)


_TRIVIAL = frozenset({"", "true", "false", "yes", "no", "on", "off", "none", "null", "nil", "enabled", "disabled"})


def _trivial(value: str) -> bool:
    """Values that are settings, not secrets (``--use-service-account-credentials=true``)."""
    return value.strip().strip("\"'").lower() in _TRIVIAL or value.startswith("<redacted")


def _is_working_directory(name: Any, value: str) -> bool:
    """``PWD=/home/app`` is the shell's working directory, not a password."""
    return isinstance(name, str) and name_tokens(name) == ["pwd"] and value.strip("\"'").startswith("/")


_KV_KEY_WORD = re.compile(_KV_KEY_WORDS, re.IGNORECASE)


def _kv_repl(m: re.Match[str]) -> str:
    key = m.group("key")
    if _KV_KEY_WORD.search(key) is None:
        return m.group(0)
    groups = m.groupdict()
    if not is_sensitive_name(key) or _is_working_directory(key, groups.get("qv") or groups.get("value") or ""):
        return m.group(0)
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


# Schemes whose user name is a login, not a key (``ssh://git@github.com``).
_LOGIN_SCHEMES = frozenset({"ssh", "git+ssh", "ssh+git", "sftp", "scp", "rsync", "mailto", "smb", "ftp", "ldap"})


def _url_user_repl(m: re.Match[str]) -> str:
    if m.group("scheme").lower() in _LOGIN_SCHEMES:
        return m.group(0)
    return m.group("pre") + MASK + "@"


def _keep_pre_mask_group(group: str) -> Callable[[re.Match[str]], str]:
    """Mask group ``group`` (a password) and keep the rest of the match (quotes included)."""

    def repl(m: re.Match[str]) -> str:
        value = m.group(group)
        if value.startswith("<redacted") or _trivial(value):
            return m.group(0)
        start, end = m.span(group)
        base = m.start()
        whole = m.group(0)
        return whole[: start - base] + MASK + whole[end - base:]

    return repl


BUILTIN_PATTERNS: tuple[TextPattern, ...] = (
    TextPattern(
        "private-key",
        re.compile(
            r"-----BEGIN (?P<kind>[A-Z0-9 ]*?)PRIVATE KEY(?P<blk>(?: BLOCK)?)-----(?!<redacted>)"
            # up to the matching END line, or (a truncated block) the base64 lines that follow
            # (a body never holds "-----": the scan stops at the next marker, linear in the text)
            r"(?:(?:[^-]|-(?!----)){0,65536}?-----END (?P=kind)PRIVATE KEY(?P=blk)-----"
            r"|(?:(?:\s|\\[nr])*[A-Za-z0-9+/=]{16,})*)",
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
    TextPattern(
        # a key as the URL's user (a Sentry DSN, https://TOKEN@github.com)
        "url-credentials",
        re.compile(r"(?P<pre>\b(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,20})://)(?!<redacted)[^\s/:@\"'<>?#]{1,512}@"
                   r"(?=[A-Za-z0-9\[])(?!sha(?:256|384|512):)"),  # not an image digest (redis@sha256:...)
        _url_user_repl,
    ),
    TextPattern(
        # mysql -u root -pSECRET (the password glued to -p)
        "mysql-password",
        re.compile(r"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mysqlslap|mariadb"
                   r"|mariadb-dump|mariadb-admin)\b[^\n;&|]{0,300}?[ \t]-p(?P<pw>'[^'\n]+'|\"[^\"\n]+\"|[^\s'\"<;&|]+)"),
        _keep_pre_mask_group("pw"),
    ),
    TextPattern(
        # curl -u user:SECRET, --user user:SECRET, --proxy-user user:SECRET
        "curl-user",
        re.compile(r"\bcurl\b[^\n;&|]{0,300}?[ \t](?:-u[ \t]*|-U[ \t]*|--user[ \t=]+|--proxy-user[ \t=]+)['\"]?"
                   r"[^\s:'\"]*:(?P<pw>[^\s'\"]+)"),
        _keep_pre_mask_group("pw"),
    ),
    TextPattern("secret-field", _KV, _kv_repl),
    TextPattern("secret-flag", _FLAG_SPACE, _kv_repl),
)

# ----------------------------------------------------------------------------- rewrites
# Secrets found from an anchor backwards (a regex would try every start position).

_KEY_END = re.compile(r"-----END (?:[A-Z0-9 ]*?)PRIVATE KEY(?: BLOCK)?-----")
_LINE_BREAK = re.compile(r"\r?\n|(?:\\r)?\\n")
_BASE64_LINE = re.compile(r"[ \t]*[A-Za-z0-9+/=]+[ \t]*")
_KEY_BODY_WINDOW = 65536  # more than any PEM private key body


def _previous_break(s: str, pos: int, lo: int) -> tuple[int, int] | None:
    """The last line break (``\\n``, ``\\r\\n`` or their JSON escapes) in ``s[lo:pos]``."""
    i = s.rfind("\n", lo, pos)
    j = s.rfind("\\n", max(lo, i + 1), pos)
    if j >= 0:
        return (j - 2 if j - 2 >= lo and s.startswith("\\r", j - 2) else j), j + 2
    if i >= 0:
        return (i - 1 if i > lo and s[i - 1] == "\r" else i), i + 1
    return None


def _key_body_start(s: str, end: int) -> int | None:
    """Where the base64 lines right before a ``-----END ... PRIVATE KEY-----`` at ``end``
    start, when the block's BEGIN line is not there (a log cut inside the block); else None.
    Walks back line by line: linear in the body, whatever precedes it."""
    lo = max(0, end - _KEY_BODY_WINDOW)
    brk = _previous_break(s, end, lo)
    if brk is None or s[brk[1]:end].strip():
        return None  # END is not at a line start
    start = None
    chars = 0
    pos = brk[0]
    while pos > lo:
        prev = _previous_break(s, pos, lo)
        line_start = prev[1] if prev is not None else lo
        line = s[line_start:pos]
        if not _BASE64_LINE.fullmatch(line):
            break
        start = line_start
        chars += len(line.strip())
        if prev is None:
            break
        pos = prev[0]
    if start is None or chars < 16:
        return None
    return start


def _orphan_key_bodies(s: str) -> tuple[str, int]:
    """Mask the body of a private key block whose BEGIN line was cut off."""
    if "PRIVATE KEY" not in s:
        return s, 0
    out: list[str] = []
    last = 0
    n = 0
    for m in _KEY_END.finditer(s):
        start = _key_body_start(s, m.start())
        if start is None or start < last:
            continue
        body = s[start:m.start()]
        breaks = list(_LINE_BREAK.finditer(body))
        out.append(s[last:start])
        out.append(MASK + (breaks[-1].group(0) if breaks else ""))
        last = m.start()
        n += 1
    if not n:
        return s, 0
    out.append(s[last:])
    return "".join(out), n


_DSN_NET = re.compile(r"@(?:tcp6?|udp|unix(?:gram)?)\(")
_DSN_STOP = frozenset(" \t\r\n\"'`@,;<>=")


def _dsn_passwords(s: str) -> tuple[str, int]:
    """Go database DSNs: ``user:password@tcp(host:3306)/db`` -> ``user:<redacted>@tcp(...``."""
    if "@" not in s or _DSN_NET.search(s) is None:
        return s, 0
    out: list[str] = []
    last = 0
    n = 0
    for m in _DSN_NET.finditer(s):
        at = m.start()
        i = at
        while i > max(last, at - 320) and s[i - 1] not in _DSN_STOP:
            i -= 1
        token = s[i:at]
        colon = token.find(":")
        if colon <= 0 or colon == len(token) - 1 or "://" in token or token[colon + 1:].startswith("<redacted"):
            continue
        out.append(s[last:i + colon + 1])
        out.append(MASK)
        last = at
        n += 1
    if not n:
        return s, 0
    out.append(s[last:])
    return "".join(out), n


_STRUCTURED_KEY = re.compile(r"(?<![/\w.\\-])(?P<key>[\w.-]++)(?:\\?[\"'])?[ \t]*[:=][ \t]*(?=[\[{])")
_MAX_STRUCTURE = 4096


_STRUCTURE_CHARS = re.compile(r"[\[\]{}\"'\\\n]")


def _balanced_end(s: str, start: int) -> tuple[int | None, int]:
    """``(end, scanned)``: the end of the ``{...}``/``[...]`` opening at ``start`` (quoted
    strings skipped), or None when it does not close on its line within
    :data:`_MAX_STRUCTURE` characters; ``scanned`` is where the scan stopped."""
    depth = 0
    quote = ""
    escaped_at = -1  # the character after a backslash inside quotes
    stop = min(len(s), start + _MAX_STRUCTURE)
    for m in _STRUCTURE_CHARS.finditer(s, start, stop):
        c = m.group()
        i = m.start()
        if c == "\n":
            return None, i
        if i == escaped_at:
            continue
        if quote:
            if c == "\\":
                escaped_at = i + 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i + 1, i + 1
    return None, stop


def _structured_values(s: str) -> tuple[str, int]:
    """A map or list written after a secret-like key in text (``"password": {"value": "x"}``,
    ``apiKeys: [a, b]``, a JSON log line): masked whole."""
    if "{" not in s and "[" not in s:
        return s, 0
    out: list[str] = []
    last = 0
    n = 0
    pos = 0
    while True:
        m = _STRUCTURED_KEY.search(s, pos)
        if m is None:
            break
        pos = m.end()
        key = m.group("key")
        if _KV_KEY_WORD.search(key) is None or not is_sensitive_name(key):
            continue
        end, scanned = _balanced_end(s, m.end())
        if end is None:
            pos = max(pos, scanned)  # nothing closes before there: linear, whatever the input
            continue
        out.append(s[last:m.end()])
        out.append(MASK)
        last = pos = end
        n += 1
    if not n:
        return s, 0
    out.append(s[last:])
    return "".join(out), n


# Rewrites run before the patterns (structures whole) and after them.
PRE_REWRITES: tuple[tuple[str, Callable[[str], tuple[str, int]]], ...] = (
    ("secret-field", _structured_values),
)
REWRITES: tuple[tuple[str, Callable[[str], tuple[str, int]]], ...] = (
    ("private-key", _orphan_key_bodies),
    ("dsn-credentials", _dsn_passwords),
)

# A cheap test that lets the vast majority of strings skip every pattern.
_PREFILTER = re.compile(
    r"(?i)bearer|basic|private key|eyJ|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|aws|AIza|sig=|accountkey|sharedaccess"
    r"|gh[pousr]_|github_pat|xox|glpat|sk_live|://|pass|pwd|secret|token|credential|key|auth|mysql|mariadb|curl"
    r"|@(?:tcp|udp|unix)"
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
        for name, rewrite in PRE_REWRITES:
            s, n = rewrite(s)
            if n:
                local[name] += n
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
        for name, rewrite in REWRITES:
            s, n = rewrite(s)
            if n:
                local[name] += n
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
                    for k in values:
                        self._mark(values, k, field == "data", local, "secret-value")
        elif kind == "ConfigMap":
            if isinstance(obj.get("binaryData"), dict):
                for k in obj["binaryData"]:
                    self._mark(obj["binaryData"], k, True, local, "configmap-binary-data")
            if is_helm_release_configmap(obj) and isinstance(obj.get("data"), dict):
                for k in obj["data"]:
                    self._mark(obj["data"], k, False, local, "helm-release")
        self._walk(obj, local, parent_key="")

    @staticmethod
    def _mark(values: dict[Any, Any], key: Any, base64_encoded: bool, local: Counter[str], name: str) -> None:
        """Replace a stored value by its size marker; counted unless it was one already."""
        marked = _size_marker(values[key], base64_encoded)
        if marked != values[key]:
            values[key] = marked
            local[name] += 1

    def _walk(self, node: Any, local: Counter[str], parent_key: str, inherited: bool = False) -> Any:  # noqa: C901 - one case per value type and key class
        """Return the redacted value of ``node`` (containers are changed in place).

        ``inherited``: ``node`` is the value of a sensitive key (``credentials: {...}``): its
        strings and numbers are masked, except under reference keys (``secretName``)."""
        if isinstance(node, str):
            return self._text(node, local)
        if isinstance(node, dict):
            if parent_key == "annotations":
                self._annotations(node, local)
                return node
            in_labels = parent_key == "labels"
            pair_sensitive = _is_sensitive_pair(node)
            for k, v in node.items():
                if isinstance(v, bool) or v is None:
                    continue
                if in_labels:
                    if isinstance(v, str):
                        node[k] = self._text(v, local)
                    continue
                if k == "value" and pair_sensitive:
                    node[k] = self._mask_value(v, local, "sensitive-env-value")
                    continue
                reference = _is_reference(k, node)
                secret = not reference and (inherited or (isinstance(k, str) and is_sensitive_name(k)))
                if isinstance(v, str):
                    if secret and not _trivial(v) and not _is_working_directory(k, v):
                        node[k] = MASK
                        local["sensitive-field"] += 1
                    else:
                        node[k] = self._text(v, local)
                elif isinstance(v, (int, float)):
                    if secret:
                        node[k] = MASK
                        local["sensitive-field"] += 1
                elif isinstance(v, list) and k in ("args", "command") and all(isinstance(a, str) for a in v):
                    self._args(v, local)
                elif isinstance(v, list) and secret:
                    if not _names_secrets(k, v):
                        self._mask_value(v, local, "sensitive-field")
                elif isinstance(v, (dict, list)):
                    self._walk(v, local, k, inherited=secret)
            return node
        if isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    node[i] = self._text(v, local)
                elif isinstance(v, (dict, list)):
                    self._walk(v, local, parent_key)
            return node
        return node

    def _mask_value(self, value: Any, local: Counter[str], name: str) -> Any:
        """The value of a sensitive key or pair: strings and numbers masked (lists item by
        item), a map's leaves masked but for references."""
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, str):
            if _trivial(value):
                return value
            local[name] += 1
            return MASK
        if isinstance(value, (int, float)):
            local[name] += 1
            return MASK
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    self._walk(item, local, "")  # a list of objects: each judged by its own keys
                else:
                    value[i] = self._mask_value(item, local, name)
            return value
        if isinstance(value, dict):
            return self._walk(value, local, "", inherited=True)
        return value

    def _annotations(self, annotations: dict[str, Any], local: Counter[str]) -> None:
        """Applied-object copies are redacted as the objects they copy; so is any annotation
        whose value is a JSON object; other values get the text patterns."""
        for k, v in annotations.items():
            if isinstance(v, (dict, list)):
                self._walk(v, local, k)
            if not isinstance(v, str) or v.startswith("<redacted"):
                continue
            if k in APPLIED_DIFF_ANNOTATIONS:
                annotations[k] = f"<redacted: {len(v.encode())} bytes>"
                local["applied-copy"] += 1
            elif k in APPLIED_COPY_ANNOTATIONS or v.lstrip().startswith("{"):
                annotations[k] = self._applied_copy(v, local, known=k in APPLIED_COPY_ANNOTATIONS)
            else:
                annotations[k] = self._text(v, local)

    def _applied_copy(self, text: str, local: Counter[str], known: bool) -> str:
        """An annotation holding a whole object as applied (a Secret's data, env values):
        redact it as an object and write it back in its own encoding (rules read the applied
        apiVersion).  A known copy that cannot be decoded is masked whole; any other value
        that is not a JSON object gets the text patterns."""
        decoded = decode_applied_copy(text)
        if decoded is None:
            if not known:
                return self._text(text, local)
            local["applied-copy"] += 1
            return f"<redacted: {len(text.encode())} bytes>"
        doc, encoding = decoded
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
        return encode_applied_copy(doc, encoding, text)

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


def is_helm_release_configmap(obj: dict[str, Any]) -> bool:
    """A Helm release stored by the ConfigMap driver: labels ``owner=helm`` (Helm 3) or
    ``OWNER=TILLER`` (Helm 2); its ``release`` payload (base64 gzip) holds the values."""
    md = obj.get("metadata")
    labels = md.get("labels") if isinstance(md, dict) else None
    if not isinstance(labels, dict):
        return False
    return str(labels.get("owner", "")).lower() == "helm" or str(labels.get("OWNER", "")).upper() == "TILLER"


_PAIR_NAME_KEYS = ("name", "type", "key")
_K8S_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")


def _names_secrets(key: Any, values: list[Any]) -> bool:
    """``secrets: [tls-certs, etcd-client]`` (Prometheus, Alertmanager): Secret names."""
    tokens = name_tokens(key) if isinstance(key, str) else []
    return bool(tokens) and tokens[-1] == "secrets" and all(
        isinstance(v, str) and _K8S_NAME.fullmatch(v) for v in values)


def _is_sensitive_pair(node: dict[str, Any]) -> bool:
    """``{name: DB_PASSWORD, value: x}`` (env), ``{type: password, value: x}`` (Keycloak
    credentials), ``{key: apiKey, value: x}``: the value is a secret."""
    if "value" not in node:
        return False
    for label in _PAIR_NAME_KEYS:
        name = node.get(label)
        if isinstance(name, str) and is_sensitive_name(name):
            return True
    return False


def _is_reference(key: Any, parent: dict[str, Any]) -> bool:
    """A key whose value names or configures a secret rather than holding it (``secretName``,
    ``defaultMode``, ``key`` beside ``name`` in a secret key selector)."""
    if not isinstance(key, str):
        return False
    tokens = name_tokens(key)
    if not tokens:
        return False
    if tokens[-1] in _EXEMPT_LAST:
        return True
    return tokens == ["key"] and "name" in parent


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
