#!/bin/sh
# kbundle node script: gather one node's diagnostics into the kbundle layout
#   nodes/<node>/commands/<name>.txt     command outputs (names: docs/rules.md "Node file names")
#   nodes/<node>/files/<host path>        copied host files
#   nodes/<node>/status.tsv               name, exit status, seconds, command of every step
#   nodes/<node>/errors.txt               what was missing or failed (never fatal)
# POSIX sh only (dash, busybox ash); no bash, no Python.  kbundle collect runs it inside a
# short-lived privileged pod (host file system at /host); it also runs standalone:
#
#   sh node_script.sh -o /tmp/out [-s SINCE] [-r ROOT] [-n NODE] [-x chroot|direct] [-m BYTES] [-M]
#
#   -o OUT    a directory (written, then packed into OUT.tar.gz), a file ending in .tar.gz or
#             .tgz, or "-" for a tar.gz on standard output
#   -s SINCE  journal start: seconds back (86400) or any journalctl --since value; default 86400
#   -r ROOT   where the host file system is mounted (default /; /host in a debug pod)
#   -n NODE   node name used in the layout (default: the host name)
#   -x MODE   how host tools run: chroot (chroot ROOT tool; the default when ROOT is not /)
#             or direct (the tools found here)
#   -m BYTES  cap per command output, newest bytes kept from a line start (default 20000000)
#   -M        do not mask secrets (kbundle collect masks and counts them itself); without -M
#             a best-effort sed mask hides tokens, passwords, bearer tokens, private keys,
#             JWTs, AWS key ids and URL credentials in the written files (masked before the
#             cap cuts, so a cut never leaves the tail of a key block)
set -u
umask 077

OUT=""
SINCE=86400
ROOT=/
NODE=""
MODE=""
MAXB=20000000
MASK=1

usage() {
    echo "usage: sh node_script.sh -o OUT [-s SINCE] [-r ROOT] [-n NODE] [-x chroot|direct] [-m BYTES] [-M]" >&2
    exit 2
}

while getopts "o:s:r:n:x:m:Mh" opt; do
    case "$opt" in
        o) OUT=$OPTARG ;;
        s) SINCE=$OPTARG ;;
        r) ROOT=$OPTARG ;;
        n) NODE=$OPTARG ;;
        x) MODE=$OPTARG ;;
        m) MAXB=$OPTARG ;;
        M) MASK=0 ;;
        *) usage ;;
    esac
done
[ -n "$OUT" ] || usage
case "$MAXB" in ''|*[!0-9]*) echo "node_script: -m needs a number of bytes" >&2; exit 2 ;; esac
ROOT=${ROOT%/}
[ -n "$ROOT" ] || ROOT=""
[ -z "$ROOT" ] || [ -d "$ROOT" ] || { echo "node_script: root $ROOT is not a directory" >&2; exit 2; }
if [ -z "$MODE" ]; then
    if [ -z "$ROOT" ]; then MODE=direct; else MODE=chroot; fi
fi
case "$MODE" in chroot|direct) ;; *) usage ;; esac
[ "$MODE" = chroot ] && [ -z "$ROOT" ] && MODE=direct
if [ -z "$NODE" ]; then
    NODE=$(cat "$ROOT/etc/hostname" 2>/dev/null || uname -n 2>/dev/null || echo node)
fi
NODE=$(printf '%s' "$NODE" | tr -c 'A-Za-z0-9._-' '_')
case "$SINCE" in
    ''|*[!0-9]*) JSINCE=$SINCE ;;
    *) JSINCE="-${SINCE}s" ;;
esac

log() { echo "node_script: $*" >&2; }

# Work directory (removed at exit unless OUT is a directory).
make_tmp() {
    d=$(mktemp -d "${TMPDIR:-/tmp}/kbundle-node.XXXXXX" 2>/dev/null) && { echo "$d"; return 0; }
    d="${TMPDIR:-/tmp}/kbundle-node.$$"
    mkdir -m 700 "$d" && echo "$d"
}
WORK=$(make_tmp) || { log "cannot create a temporary directory"; exit 1; }
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM HUP

case "$OUT" in
    -|*.tar.gz|*.tgz) DEST="$WORK/out" ;;
    *) DEST=$OUT ;;
esac
BASE="$DEST/nodes/$NODE"
mkdir -p "$BASE/commands" "$BASE/files" "$WORK/tmp" || { log "cannot create $BASE"; exit 1; }
: >"$BASE/status.tsv"
TMPF="$WORK/tmp"

now() { date +%s 2>/dev/null || echo 0; }

# note NAME RC SECONDS COMMAND: one status line (with the first stderr line of a failure);
# errors.txt is made from the last status line of each name at the end.
note() {
    msg=""
    if [ "$2" != 0 ]; then
        msg=$(head -c 300 "$TMPF/err" 2>/dev/null | tr '\n\t' '  ')
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$msg" >>"$BASE/status.tsv"
}

# mask_stream: standard input to output through the best-effort sed mask (unless -M).
mask_stream() {
    if [ "$MASK" != 1 ]; then
        cat
        return
    fi
    sed -e 's/\([Bb][Ee][Aa][Rr][Ee][Rr][[:space:]][[:space:]]*\)[A-Za-z0-9._~+\/=-]\{8,\}/\1<redacted>/g' \
        -e 's/eyJ[A-Za-z0-9_-]\{4,\}\.eyJ[A-Za-z0-9_-]\{4,\}\.[A-Za-z0-9_-]*/<redacted:jwt>/g' \
        -e 's/AKIA[0-9A-Z]\{16\}/<redacted:aws-access-key-id>/g' \
        -e 's#\(://[^/:@[:space:]]*:\)[^/@[:space:]]*@#\1<redacted>@#g' \
        -e 's/\([Tt][Oo][Kk][Ee][Nn]["'"'"']*[[:space:]]*[:=][[:space:]]*\)[^<[:space:]][^[:space:]]*/\1<redacted>/g' \
        -e 's/\([Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]["'"'"']*[[:space:]]*[:=][[:space:]]*\)[^<[:space:]][^[:space:]]*/\1<redacted>/g' \
        -e 's/\([Ss][Ee][Cc][Rr][Ee][Tt]["'"'"']*[[:space:]]*[:=][[:space:]]*\)[^<[:space:]][^[:space:]]*/\1<redacted>/g' \
        -e 's/\(client-key-data[[:space:]]*:[[:space:]]*\)[^<[:space:]][^[:space:]]*/\1<redacted>/g' \
        -e '/-----BEGIN [A-Z ]*PRIVATE KEY/,/-----END [A-Z ]*PRIVATE KEY/{
/-----BEGIN/b
/-----END/b
d
}'
}

# The mask sees a little more than is kept (a key block is a few KiB): MARGINB bytes.
MARGINB=$((MAXB + 65536))

# cap_to FILE: the newest MAXB bytes of standard input into FILE; when that cuts, from the
# first line start (a partial first line could be the tail of a secret without its name).
cap_to() {
    tail -c "$((MAXB + 1))" >"$1"
    size=$(($(wc -c <"$1")))
    [ "$size" -gt "$MAXB" ] || return 0
    if [ "$(($(head -n 1 "$1" | wc -c)))" -lt "$size" ]; then
        sed '1d' "$1" >"$TMPF/cap"
    else
        tail -c "$MAXB" "$1" >"$TMPF/cap"
    fi
    cat "$TMPF/cap" >"$1"
}

# capture NAME TOOL [ARGS...]: run a host tool (through chroot in chroot mode), keep the
# newest MAXB bytes of its output (masked first) in commands/NAME.txt and its status in status.tsv.
capture() {
    name=$1
    shift
    if [ "$MODE" = chroot ]; then
        capture_as "$name" chroot "$ROOT" "$@"
    else
        capture_as "$name" "$@"
    fi
}

# capture_here NAME TOOL [ARGS...]: run a tool of this system (no chroot).
capture_here() { capture_as "$@"; }

capture_as() {
    name=$1
    shift
    out="$BASE/commands/$name.txt"
    t0=$(now)
    rm -f "$TMPF/rc" "$TMPF/err"
    { "$@" 2>"$TMPF/err" </dev/null; echo $? >"$TMPF/rc"; } | tail -c "$MARGINB" | mask_stream | cap_to "$out"
    rc=$(cat "$TMPF/rc" 2>/dev/null || echo 1)
    t1=$(now)
    if [ "$rc" != 0 ] && [ ! -s "$out" ]; then
        rm -f "$out"
    fi
    note "$name" "$rc" $((t1 - t0)) "$*"
    return "$rc"
}

# capture_first NAME "CMD1" "CMD2"...: the first command that exists and succeeds wins
# (commands are simple words, no quoting inside).
capture_first() {
    name=$1
    shift
    for cmd in "$@"; do
        # shellcheck disable=SC2086
        capture "$name" $cmd && return 0
    done
    return 1
}

# cat_proc NAME PROCFILE: copy a /proc file of the host into commands/NAME.txt.
PROC=/proc
[ -n "$ROOT" ] && [ -r "$ROOT/proc/loadavg" ] && PROC="$ROOT/proc"
cat_proc() {
    if [ -r "$PROC/$2" ]; then
        capture_here "$1" cat "$PROC/$2"
    else
        : >"$TMPF/err"
        note "$1" missing 0 "cat /proc/$2"
    fi
}

# copy_file HOSTPATH: copy a host file to files/HOSTPATH (symlinks resolved inside ROOT).
copy_file() {
    hp=$1
    src="$ROOT$hp"
    n=0
    while [ -L "$src" ] && [ $n -lt 8 ]; do
        target=$(readlink "$src")
        case "$target" in
            /*) src="$ROOT$target" ;;
            *) src="$(dirname "$src")/$target" ;;
        esac
        n=$((n + 1))
    done
    if [ ! -f "$src" ] || [ ! -r "$src" ]; then
        : >"$TMPF/err"
        note "files$hp" missing 0 "cp $hp"
        return 1
    fi
    dst="$BASE/files$hp"
    mkdir -p "$(dirname "$dst")"
    rm -f "$TMPF/err"
    if tail -c "$MARGINB" "$src" 2>"$TMPF/err" | mask_stream | cap_to "$dst"; then
        note "files$hp" 0 0 "cp $hp"
    else
        note "files$hp" 1 0 "cp $hp"
    fi
}

# copy_dir HOSTDIR: copy the regular files directly inside a host directory.
copy_dir() {
    if [ ! -d "$ROOT$1" ]; then
        : >"$TMPF/err"
        note "files$1" missing 0 "ls $1"
        return 1
    fi
    for f in "$ROOT$1"/* "$ROOT$1"/.[!.]*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        [ -d "$f" ] && continue
        copy_file "$1/${f##*/}"
    done
}

# ---------------------------------------------------------------------------- gather
log "collecting node $NODE (root ${ROOT:-/}, $MODE mode)"

# The node's clock first: compared with the collector's clock around this run.
capture_here date-epoch date +%s
capture_first uptime "uptime" || cat_proc uptime uptime

capture df df -h
capture df-inodes df -i
capture uname uname -a
copy_file /etc/os-release

# k3s and rke2 run the kubelet inside their own service: their journals hold its lines.
for unit in kubelet containerd docker crio k3s k3s-agent rke2-server rke2-agent; do
    capture_first "journal-$unit" \
        "journalctl -u $unit --no-pager --utc -o short-iso --since $JSINCE" \
        "journalctl -u $unit --no-pager --since $JSINCE"
done
# Nodes without a journal for the kubelet (k3s, some distributions) log to files.
for f in /var/log/kubelet.log /var/log/k3s.log; do
    [ -f "$ROOT$f" ] && copy_file "$f"
done

capture_first dmesg "dmesg -T" "dmesg" || capture_here dmesg dmesg

capture timedatectl timedatectl status
capture chronyc-tracking chronyc tracking
capture ntpq ntpq -p

cat_proc loadavg loadavg
cat_proc meminfo meminfo
cat_proc buddyinfo buddyinfo
cat_proc proc-stat stat
cat_proc conntrack-count sys/net/netfilter/nf_conntrack_count
cat_proc conntrack-max sys/net/netfilter/nf_conntrack_max
cat_proc conntrack-stat net/stat/nf_conntrack
capture_first top "top -b -n 1" || capture_here top top -b -n 1

copy_dir /etc/cni/net.d
copy_dir /etc/kubernetes/manifests
# k3s/rke2 keep their CNI config and static manifests under their own data dirs.
copy_dir /var/lib/rancher/k3s/agent/etc/cni/net.d
copy_dir /var/lib/rancher/rke2/agent/etc/cni/net.d
copy_dir /var/lib/rancher/rke2/agent/pod-manifests

# kubelet: flags from its command line, config from --config (default path otherwise).
KPID=""
for d in "$PROC"/[0-9]*; do
    [ -r "$d/comm" ] || continue
    c=$(cat "$d/comm" 2>/dev/null) || continue
    case "$c" in kubelet|k3s-server|k3s-agent|k3s) KPID=${d##*/}; break ;; esac
done
KCONFIG=/var/lib/kubelet/config.yaml
if [ -n "$KPID" ] && [ -r "$PROC/$KPID/cmdline" ]; then
    capture_here kubelet-flags sh -c 'tr "\000" " " <"$1"; echo' sh "$PROC/$KPID/cmdline"
    kc=$(tr '\000' '\n' <"$PROC/$KPID/cmdline" | sed -n 's/^--config=//p' | head -n 1)
    [ -n "$kc" ] && KCONFIG=$kc
else
    : >"$TMPF/err"
    note kubelet-flags missing 0 "no kubelet process found"
fi
copy_file "$KCONFIG"
for f in /var/lib/kubelet/kubeadm-flags.env /etc/default/kubelet /etc/sysconfig/kubelet; do
    [ -f "$ROOT$f" ] && copy_file "$f"
done

for unit in kubelet containerd docker crio; do
    capture "systemctl-show-$unit" systemctl show "$unit" --no-pager
done

capture iptables-save iptables-save

# Certificate expiry: "<host path>: notAfter=<date>" per certificate.
CERTS="$TMPF/certs"
: >"$CERTS"
if [ -d "$ROOT/etc/kubernetes/pki" ]; then
    find "$ROOT/etc/kubernetes/pki" -type f -name '*.crt' 2>/dev/null | sort >>"$CERTS"
fi
for f in /var/lib/kubelet/pki/kubelet-client-current.pem /var/lib/kubelet/pki/kubelet.crt; do
    [ -e "$ROOT$f" ] && echo "$ROOT$f" >>"$CERTS"
done
cert_expiry() {
    openssl_cmd="openssl"
    if [ "$MODE" = chroot ]; then
        chroot "$ROOT" openssl version >/dev/null 2>&1 || openssl_cmd=""
    else
        command -v openssl >/dev/null 2>&1 || openssl_cmd=""
    fi
    if [ -z "$openssl_cmd" ]; then
        echo "openssl: not found" >&2
        return 127
    fi
    status=0
    while IFS= read -r f; do
        hp=${f#"$ROOT"}
        if [ "$MODE" = chroot ]; then
            end=$(chroot "$ROOT" openssl x509 -noout -enddate -in "$hp" 2>&1) || status=1
        else
            end=$(openssl x509 -noout -enddate -in "$f" 2>&1) || status=1
        fi
        printf '%s: %s\n' "$hp" "$end"
    done <"$CERTS"
    return $status
}
if [ -s "$CERTS" ]; then
    capture_here cert-expiry cert_expiry
else
    : >"$TMPF/err"
    note cert-expiry missing 0 "no certificates under /etc/kubernetes/pki or /var/lib/kubelet/pki"
fi

# Log sizes in KiB: container log directories and the /var/log/containers links.
log_sizes() {
    found=1
    if [ -d "$ROOT/var/log/pods" ]; then
        found=0
        du -k "$ROOT"/var/log/pods/*/* 2>/dev/null | sed "s#	$ROOT/#	/#" | sort -rn
    fi
    if [ -d "$ROOT/var/log/containers" ]; then
        found=0
        for l in "$ROOT"/var/log/containers/*; do
            [ -e "$l" ] || [ -L "$l" ] || continue
            t=$l
            if [ -L "$l" ]; then
                t=$(readlink "$l")
                case "$t" in /*) t="$ROOT$t" ;; *) t="$(dirname "$l")/$t" ;; esac
            fi
            s=$(du -k "$t" 2>/dev/null | cut -f1)
            printf '%s\t/var/log/containers/%s\n' "${s:-0}" "${l##*/}"
        done | sort -rn
    fi
    if [ $found != 0 ]; then
        echo "no /var/log/pods or /var/log/containers" >&2
        return 1
    fi
    return 0
}
capture_here log-sizes log_sizes

# errors.txt: the final outcome of every step that did not succeed.
awk -F '\t' '{ if (!($1 in last)) order[++n] = $1; last[$1] = $0 }
    END {
        for (i = 1; i <= n; i++) {
            split(last[order[i]], f, "\t")
            if (f[2] == "0") continue
            why = "exit status " f[2]
            if (f[2] == "127" || f[2] == "126") why = "tool not found"
            if (f[2] == "missing") why = "not present"
            print f[1] ": " why ": " f[4] (f[5] != "" ? " (" f[5] ")" : "")
        }
    }' "$BASE/status.tsv" >"$BASE/errors.txt"

# ---------------------------------------------------------------------------- output
pack() {
    tar -C "$DEST" -cf - nodes | gzip -c
}
case "$OUT" in
    -)
        pack || { log "packing failed"; exit 1; }
        ;;
    *.tar.gz|*.tgz)
        pack >"$OUT.tmp.$$" && mv "$OUT.tmp.$$" "$OUT" || { rm -f "$OUT.tmp.$$"; log "cannot write $OUT"; exit 1; }
        log "wrote $OUT"
        ;;
    *)
        pack >"$OUT.tar.gz.tmp.$$" && mv "$OUT.tar.gz.tmp.$$" "$OUT.tar.gz" \
            || { rm -f "$OUT.tar.gz.tmp.$$"; log "cannot write $OUT.tar.gz"; exit 1; }
        log "wrote $OUT/nodes/$NODE and $OUT.tar.gz"
        ;;
esac
exit 0
