#!/usr/bin/env bash
# bench-cli.sh [BINARY] — the one-shot commands of issue 20, each against its baseline measured
# in the same run, on synthetic catalogs of N workers x FEATURES features each (default 4)
# written by the generator script gen-catalog.sh:
#
#   info ONE-ID        at INFO_BIG workers / at INFO_SMALL workers, warm: as a user gets it
#                      (a command starts a watcher from 1,000 workers), with `rbee-workers
#                      watch` running for both, and with none (RBEE_WORKERS_WATCH=never)
#   check              at CHECK_N workers: first run (empty verdict cache) / BASELINE's check,
#                      and a second, unchanged run / BASELINE's check (BASELINE: an older
#                      binary; without it, the second run / the first)
#   export             at EXPORT_N workers / `cp -r` of the export it wrote
#   pack               `pkgbuild --flavor local` of a PACK_MB MB tree / `tar czf` of that tree
#   list --json        at LIST_N workers / `find bin -name '*.toml' -exec cat {} +`
#
# BINARY defaults to target/release/rbee-workers (build it once: cargo build --release).
# Environment: RUNS (default 3; check runs once each), FEATURES (4), INFO_SMALL (100), INFO_BIG (10000),
# CHECK_N (1000), EXPORT_N (10000), LIST_N (10000), PACK_MB (200), BASELINE (unset),
# ONLY (a space-separated subset of: info check export pack list), KEEP=1 keeps the temp dir.
# Every figure is a median wall-clock time; the machine is printed with them.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-target/release/rbee-workers}
runs=${RUNS:-3}
only=${ONLY:-info check export pack list}

die() { printf 'bench-cli: %s\n' "$*" >&2; exit 1; }
say() { printf 'bench-cli: %s\n' "$*" >&2; }

[[ $# -le 1 ]] || { printf 'usage: %s [BINARY]\n' "${0##*/}" >&2; exit 2; }
[[ -x $bin && ! -d $bin ]] || die "$bin is not an executable (build it: cargo build --release)"
[[ $bin == */* ]] && bin=$(cd -- "$(dirname -- "$bin")" && pwd)/${bin##*/}
if [[ -n ${BASELINE:-} ]]; then
    [[ -x $BASELINE ]] || die "BASELINE=$BASELINE is not an executable"
fi
for v in RUNS INFO_SMALL INFO_BIG CHECK_N EXPORT_N LIST_N PACK_MB; do
    val=${!v:-1}
    [[ $val =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '$val'"
done

# shellcheck source=scripts/bench-common.sh
. "$here/bench-common.sh"
bench_sandbox bench-cli
# As a person at a terminal gets it: in CI a command starts no watcher by itself.
unset CI

# time_cmd N CMD… : median seconds of N runs of CMD (after one warm-up run) into $median.
# N=0: one run, no warm-up (for what a warm-up would change, like check's cache).
time_cmd() {
    local n=$1 samples=() r start
    shift
    if ((n == 0)); then
        n=1
    else
        "$@" >/dev/null 2>&1 || true
    fi
    for ((r = 0; r < n; r++)); do
        now_us
        start=$now
        "$@" >/dev/null 2>&1 || true
        now_us
        samples+=($((now - start)))
    done
    median_of "${samples[@]}"
}

rows=()
row() { # what, N, seconds, baseline name, baseline seconds, goal
    rows+=("$(awk -v w="$1" -v n="$2" -v s="$3" -v bn="$4" -v b="$5" -v g="$6" 'BEGIN {
        printf "%-22s %7s %10.3f  %-26s %10.3f %8s  %s", w, n, s, bn, b, (b > 0 ? sprintf("%.2fx", s / b) : "n/a"), g }')")
    # As soon as it is measured too: the cleanup after export can take longer than the runs.
    say "${rows[-1]}"
}

catalog() { # N -> $cat (generated once per N)
    cat=$tmp/catalog-$1
    if [[ ! -d $cat ]]; then
        say "generating $1 workers…"
        FEATURES=${FEATURES:-4} "$here/gen-catalog.sh" "$1" "$cat" 2>/dev/null
        # The discovery cache keeps no directory changed in the last two seconds: a warm
        # figure taken sooner would be partly cold.
        sleep 3
        # A checked run: a failing binary would make the timings meaningless.
        "$bin" -v --root "$cat" list --json >/dev/null 2>"$tmp/list.err" ||
            { head -n 20 "$tmp/list.err" >&2; die "list --json fails on the $1-worker catalog"; }
        # From 1,000 workers that first command starts a watcher: the figures are taken once it
        # answers, not while it sets its watches.
        if grep -q '^watch: started a watcher' "$tmp/list.err"; then
            local tries
            for ((tries = 0; tries < 300; tries++)); do
                "$bin" --root "$cat" watch --status | grep -q '^watching' && break
                sleep 0.2
            done
        elif (($1 >= 1000)); then
            # (Out of inotify watches, say: the "default" figure is then one without a watcher.)
            say "no watcher was started for the $1-worker catalog: $(grep '^watch:' "$tmp/list.err" || echo 'list said nothing')"
        fi
    fi
}

# warm N: fails unless the discovery cache now recalls every worker directory of catalog N.
warm() {
    local line
    line=$("$bin" -v --root "$tmp/catalog-$1" list 2>&1 >/dev/null | grep '^discovery: ') || line=
    [[ $line =~ ^discovery:\ ([0-9]+)\ of\ ([0-9]+)\  && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
        die "the discovery cache does not recall the whole $1-worker catalog: ${line:-no -v line}"
}

# settle N: fails unless, within 20 s, a one-worker command on catalog N is answered without
# looking (the watcher answers, and the cache holds its token: the third run after a start).
settle() {
    local line tries
    for ((tries = 0; tries < 100; tries++)); do
        line=$("$bin" -v --root "$tmp/catalog-$1" info worker-00001 2>&1 >/dev/null | grep '^discovery: ') || line=
        [[ $line == *"the watcher saw no change" ]] && return 0
        sleep 0.2
    done
    die "the watcher of the $1-worker catalog does not vouch for it: ${line:-no -v line}"
}

wants() { [[ " $only " == *" $1 "* ]]; }

if wants info; then
    small=${INFO_SMALL:-100} big=${INFO_BIG:-10000}
    catalog "$small"
    catalog "$big"
    # As a user gets it: no watcher at 100 workers, the one a command started at 10,000.
    warm "$small"
    default_watched=0
    if "$bin" --root "$tmp/catalog-$big" watch --status | grep -q '^watching'; then
        default_watched=1
        settle "$big"
    else
        warm "$big"
    fi
    time_cmd "$runs" "$bin" --root "$tmp/catalog-$small" info worker-00001 --json
    t_small=$median
    time_cmd "$runs" "$bin" --root "$tmp/catalog-$big" info worker-00001 --json
    row "info ONE-ID (default)" "$big" "$median" "info at $small workers" "$t_small" "<= 3x"
    # Both sides watched (the small catalog's watcher started by hand).
    "$bin" --root "$tmp/catalog-$small" watch --background --idle 600 >/dev/null ||
        die "watch --background fails on the $small-worker catalog"
    settle "$small"
    "$bin" --root "$tmp/catalog-$big" watch --background --idle 600 >/dev/null ||
        die "watch --background fails on the $big-worker catalog"
    settle "$big"
    time_cmd "$runs" "$bin" --root "$tmp/catalog-$small" info worker-00001 --json
    t_small=$median
    time_cmd "$runs" "$bin" --root "$tmp/catalog-$big" info worker-00001 --json
    row "info ONE-ID (watched)" "$big" "$median" "watched info at $small" "$t_small" "<= 3x"
    # Neither watched: what the cache alone does (RBEE_WORKERS_WATCH=never).
    for n in "$small" "$big"; do
        "$bin" --root "$tmp/catalog-$n" watch --stop >/dev/null || true
    done
    export RBEE_WORKERS_WATCH=never
    warm "$small"
    time_cmd "$runs" "$bin" --root "$tmp/catalog-$small" info worker-00001 --json
    t_small=$median
    warm "$big"
    time_cmd "$runs" "$bin" --root "$tmp/catalog-$big" info worker-00001 --json
    row "info ONE-ID (no watcher)" "$big" "$median" "info at $small workers" "$t_small" "<= 3x"
    unset RBEE_WORKERS_WATCH
    # The later figures on this catalog are taken as a user gets them (watched, when a
    # command started a watcher of it).
    if ((default_watched)); then
        "$bin" --root "$tmp/catalog-$big" watch --background >/dev/null ||
            die "watch --background fails on the $big-worker catalog"
    fi
fi

if wants check; then
    n=${CHECK_N:-1000}
    catalog "$n"
    rm -rf -- "$XDG_CACHE_HOME/rbee-workers/check"
    say "check at $n workers (first run)…"
    time_cmd 0 "$bin" --root "$cat" check
    t_first=$median
    say "check at $n workers (second run, unchanged)…"
    time_cmd 0 "$bin" --root "$cat" check
    t_second=$median
    if [[ -n ${BASELINE:-} ]]; then
        say "check at $n workers with BASELINE…"
        time_cmd 0 "$BASELINE" --root "$cat" check
        row "check (first run)" "$n" "$t_first" "BASELINE check" "$median" "<= 0.3x"
        row "check (second run)" "$n" "$t_second" "BASELINE check" "$median" "<= 0.05x"
    else
        row "check (second run)" "$n" "$t_second" "check (first run)" "$t_first" "-"
    fi
fi

if wants export; then
    n=${EXPORT_N:-10000}
    catalog "$n"
    say "export at $n workers…"
    # Release renders of the synthetic catalog would download their tarballs: offline, they
    # are skipped (with a warning), the same way in every run.
    # Each run into a new directory, so neither side pays for removing an earlier tree.
    # shellcheck disable=SC2016
    time_cmd "$runs" bash -c '"$1" --offline --root "$2" export "$(mktemp -d "$3.XXXXXX")/site"' \
        _ "$bin" "$cat" "$tmp/export"
    t_export=$median
    "$bin" --offline --root "$cat" export "$tmp/site" 2>/dev/null
    # shellcheck disable=SC2016
    time_cmd "$runs" bash -c 'cp -r -- "$1" "$(mktemp -d "$2.XXXXXX")/site"' _ "$tmp/site" "$tmp/copy"
    row "export" "$n" "$t_export" "cp -r of its output" "$median" "<= 2x"
    rm -rf -- "$tmp/site" "$tmp"/export.* "$tmp"/copy.*
fi

if wants pack; then
    mb=${PACK_MB:-200}
    root=$tmp/pack
    w=$root/bin/big-worker
    mkdir -p "$w/src" "$w/data"
    printf '[package]\nname = "big-worker"\nversion = "0.1.0"\nedition = "2021"\nlicense = "MIT"\n\n[features]\ncpu = []\n' >"$w/Cargo.toml"
    printf '[worker]\nid = "big-worker"\nname = "Big"\ndescription = "a big tree"\n\n[build]\nfeatures = ["cpu"]\ndefault_feature = "cpu"\n\n[platforms]\nlinux = ["x86_64"]\n' >"$w/worker.toml"
    printf 'fn main() {}\n' >"$w/src/main.rs"
    say "writing a $mb MB tree…"
    # Source-like: compressible text (base64 of random bytes), in 1 MB files.
    for ((i = 0; i < mb; i++)); do
        head -c 786432 /dev/urandom | base64 >"$w/data/part-$i.txt"
    done
    "$bin" --root "$root" pkgbuild big-worker-cpu --flavor local --out "$tmp/pkg" >/dev/null 2>"$tmp/pack.err" ||
        { cat "$tmp/pack.err" >&2; die "pkgbuild --flavor local fails on the pack tree"; }
    time_cmd "$runs" "$bin" --root "$root" pkgbuild big-worker-cpu --flavor local --out "$tmp/pkg"
    t_pack=$median
    time_cmd "$runs" tar czf "$tmp/tar.tar.gz" -C "$w" .
    row "pack (local tarball)" "${mb}MB" "$t_pack" "tar czf" "$median" "<= 0.8x"
    rm -rf -- "$root" "$tmp/pkg" "$tmp/tar.tar.gz"
fi

if wants list; then
    n=${LIST_N:-10000}
    catalog "$n"
    time_cmd "$runs" "$bin" --root "$cat" list --json
    t_list=$median
    time_cmd "$runs" find "$cat/bin" -name '*.toml' -exec cat '{}' +
    row "list --json" "$n" "$t_list" "find -exec cat" "$median" "<= 1.2x"
fi


printf '\nmachine: %s, %s cores, %s\n' "$(uname -sm)" "$(nproc)" \
    "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown cpu)"
printf 'binary: %s\n\n' "$("$bin" --version 2>/dev/null | head -n 1)"
printf '%-22s %7s %10s  %-26s %10s %8s  %s\n' 'what' 'N' 'seconds' 'baseline' 'seconds' 'ratio' 'goal'
printf '%s\n' "${rows[@]}"
