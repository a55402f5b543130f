#!/usr/bin/env bash
# bench-discovery.sh [BINARY] — how discovery scales, against the floor of just reading the files.
#
# For each catalog size (default 1000 and 10000 workers, made by gen-catalog.sh in a temp dir)
# it times, RUNS times each after one warm-up run (so both read from the page cache):
#   (a) find DIR/bin -name '*.toml' -exec cat {} + >/dev/null     reading every manifest
#   (b) BINARY --root DIR list --json >/dev/null                    discovery + validation + JSON
# and prints the median seconds of each, (b)/(a), and how (b) grows from one size to the next
# next to how N grows (equal numbers mean linear growth).
#
# BINARY defaults to target/release/rbee-workers. Environment: RUNS (default 5),
# SIZES (default "1000 10000"), KEEP=1 keeps the temp dir. Uses hyperfine when it is
# installed, else bash's clock ($EPOCHREALTIME, or `date +%s%N`).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-target/release/rbee-workers}
runs=${RUNS:-5}
read -r -a sizes <<<"${SIZES:-1000 10000}"

die() { printf 'bench-discovery: %s\n' "$*" >&2; exit 1; }

[[ $# -le 1 ]] || { printf 'usage: %s [BINARY]\n' "${0##*/}" >&2; exit 2; }
[[ -x $bin && ! -d $bin ]] || die "$bin is not an executable (build it: cargo build --release)"
[[ $bin == */* ]] && bin=$(cd -- "$(dirname -- "$bin")" && pwd)/${bin##*/}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$runs'"
((${#sizes[@]} >= 1)) || die "SIZES is empty"
for n in "${sizes[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "SIZES must hold positive integers, got '$n'"
done

# shellcheck source=scripts/bench-common.sh
. "$here/bench-common.sh"
bench_sandbox bench-discovery
# Discovery and its cache themselves: with a watcher (which `list` starts by itself from
# 1,000 workers) nothing would be looked at. RBEE_WORKERS_WATCH=auto measures that instead.
export RBEE_WORKERS_WATCH=${RBEE_WORKERS_WATCH:-never}

# time_cmd NAME CMD… : median wall-clock seconds of CMD (stdout discarded) into $median
time_cmd() {
    local name=$1
    shift
    if command -v hyperfine >/dev/null 2>&1; then
        local csv=$tmp/$name.csv quoted
        printf -v quoted '%q ' "$@"
        hyperfine --style none --warmup 1 --runs "$runs" --export-csv "$csv" \
            --command-name "$name" -- "$quoted" >/dev/null
        median=$(awk -F, 'NR == 2 { printf "%.4f", $4 }' "$csv")
        return
    fi
    "$@" >/dev/null 2>&1 # warm-up: page cache, dynamic loader
    local samples=() r start
    for ((r = 0; r < runs; r++)); do
        now_us
        start=$now
        "$@" >/dev/null 2>&1
        now_us
        samples+=($((now - start)))
    done
    median_of "${samples[@]}"
}

declare -A med_a med_b
for n in "${sizes[@]}"; do
    cat_dir=$tmp/catalog-$n
    printf 'bench-discovery: generating %d workers…\n' "$n" >&2
    "$here/gen-catalog.sh" "$n" "$cat_dir" 2>/dev/null

    # One checked run first: a failing or warning binary would make the timings meaningless.
    if ! "$bin" --root "$cat_dir" list --json >"$tmp/list-$n.json" 2>"$tmp/list-$n.err"; then
        head -n 20 "$tmp/list-$n.err" >&2
        die "'$bin --root $cat_dir list --json' failed (N=$n); see above"
    fi
    if [[ -s $tmp/list-$n.err ]]; then
        printf 'bench-discovery: warning: list wrote to stderr for N=%d (first lines):\n' "$n" >&2
        head -n 5 "$tmp/list-$n.err" >&2
    fi

    printf 'bench-discovery: timing N=%d (%d runs each)…\n' "$n" "$runs" >&2
    time_cmd "find-cat-$n" find "$cat_dir/bin" -name '*.toml' -exec cat '{}' +
    med_a[$n]=$median
    time_cmd "list-$n" "$bin" --root "$cat_dir" list --json
    med_b[$n]=$median
    # Free the disk before the next (larger) catalog.
    [[ ${KEEP:-0} == 1 ]] || rm -rf -- "$cat_dir"
done

printf '\n%-8s %14s %18s %10s\n' 'N' '(a) find+cat s' '(b) list --json s' '(b)/(a)'
for n in "${sizes[@]}"; do
    awk -v n="$n" -v a="${med_a[$n]}" -v b="${med_b[$n]}" 'BEGIN {
        printf "%-8d %14.4f %18.4f %10s\n", n, a, b, (a > 0 ? sprintf("%.1fx", b / a) : "n/a") }'
done
if ((${#sizes[@]} >= 2)); then
    printf '\ngrowth of (b) between sizes (linear: the two columns match)\n'
    printf '%-16s %10s %10s\n' 'from -> to' 'N ratio' '(b) ratio'
    prev=''
    for n in "${sizes[@]}"; do
        if [[ -n $prev ]]; then
            awk -v p="$prev" -v n="$n" -v bp="${med_b[$prev]}" -v bn="${med_b[$n]}" 'BEGIN {
                printf "%-16s %9.1fx %10s\n", p " -> " n, n / p, (bp > 0 ? sprintf("%.1fx", bn / bp) : "n/a") }'
        fi
        prev=$n
    done
fi
