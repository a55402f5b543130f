#!/usr/bin/env bash
# bench-serve.sh [BINARY] — requests per second and latency of `serve`, by catalog size.
#
# For each catalog size (default 100 and 1000 workers, made by gen-catalog.sh in a temp dir)
# it starts `BINARY --root DIR serve --addr 127.0.0.1:0`, then:
#   (a) GET /workers (the whole catalog document) RUNS times, one after another
#   (b) CLIENTS concurrent curl processes × REQUESTS keep-alive requests each, cycling over
#       /health, /workers/ID, /workers/ID/PKGBUILD?flavor=git and /workers/ID/SRCINFO?flavor=git
#       for the first variant ID of the catalog (the git flavour needs no download)
# and prints the median of (a), and for (b) the requests per second, p50/p99/max latency and
# the number of non-200 answers (must be 0). The server must exit 0 on SIGTERM.
#
# Every request stats the catalog's manifests (the fingerprint that keeps answers current),
# so (b) shows how that per-request cost grows with N.
#
# BINARY defaults to target/release/rbee-workers. Environment: SIZES (default "100 1000"),
# CLIENTS (default 8), REQUESTS (per client, default 250), RUNS (default 5), KEEP=1 keeps the
# temp dir. Needs curl and awk; loopback only.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-target/release/rbee-workers}
clients=${CLIENTS:-8}
requests=${REQUESTS:-250}
runs=${RUNS:-5}
read -r -a sizes <<<"${SIZES:-100 1000}"

die() { printf 'bench-serve: %s\n' "$*" >&2; exit 1; }

[[ $# -le 1 ]] || { printf 'usage: %s [BINARY]\n' "${0##*/}" >&2; exit 2; }
[[ -x $bin && ! -d $bin ]] || die "$bin is not an executable (build it: cargo build --release)"
[[ $bin == */* ]] && bin=$(cd -- "$(dirname -- "$bin")" && pwd)/${bin##*/}
command -v curl >/dev/null || die "curl is needed"
for v in clients requests runs; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer, got '${!v}'"
done
((${#sizes[@]} >= 1)) || die "SIZES is empty"
for n in "${sizes[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "SIZES must hold positive integers, got '$n'"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rbee-bench-serve.XXXXXX")
server_pid=''
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ ${KEEP:-0} == 1 ]]; then
        printf 'bench-serve: keeping %s\n' "$tmp" >&2
    else
        rm -rf -- "$tmp"
    fi
}
trap cleanup EXIT

# Only the generated catalog: not the user's configuration, sources or cache.
export XDG_CONFIG_HOME=$tmp/xdg/config XDG_CACHE_HOME=$tmp/xdg/cache XDG_DATA_HOME=$tmp/xdg/data
unset RBEE_WORKERS_ROOT
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"

# start_server DIR LOG: starts the server, sets $server_pid and $base.
start_server() {
    local dir=$1 log=$2 i
    "$bin" --root "$dir" serve --addr 127.0.0.1:0 2>"$log" &
    server_pid=$!
    base=''
    for ((i = 0; i < 600; i++)); do
        base=$(sed -n 's/^serving the catalog on \(http:[^ ]*\).*/\1/p' "$log" | head -n 1)
        [[ -n $base ]] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    head -n 20 "$log" >&2
    die "the server did not start (see above)"
}

stop_server() {
    local rc=0
    kill -TERM "$server_pid"
    wait "$server_pid" || rc=$?
    server_pid=''
    ((rc == 0)) || die "the server exited $rc on SIGTERM"
}

# stats FILE: "count non200 p50 p99 max" from lines "CODE SECONDS".
stats() {
    awk '{ n++; if ($1 != 200) bad++; print $2 | "sort -g > \"'"$tmp"'/sorted\"" }
        END { close("sort -g > \"'"$tmp"'/sorted\""); i = 0
              while ((getline v < "'"$tmp"'/sorted") > 0) t[++i] = v
              p50 = t[int((i * 50 + 99) / 100)]; p99 = t[int((i * 99 + 99) / 100)]
              printf "%d %d %.2f %.2f %.2f\n", n, bad + 0, p50 * 1000, p99 * 1000, t[i] * 1000 }' "$1"
}

now_s() { date +%s.%N; }

printf '%-7s %12s %10s %10s %9s %9s %9s %7s\n' N '(a) /workers' 'requests' 'req/s' 'p50 ms' \
    'p99 ms' 'max ms' 'non-200'
for n in "${sizes[@]}"; do
    dir=$tmp/catalog-$n
    printf 'bench-serve: generating %d workers…\n' "$n" >&2
    "$here/gen-catalog.sh" "$n" "$dir" 2>/dev/null
    start_server "$dir" "$tmp/serve-$n.log"

    # (a) the whole catalog, sequentially.
    : >"$tmp/list-$n"
    for ((r = 0; r < runs; r++)); do
        curl -s -o "$tmp/workers-$n.json" -w '%{http_code} %{time_total}\n' "$base/workers" \
            >>"$tmp/list-$n"
    done
    read -r _ bad_a p50_a _ _ < <(stats "$tmp/list-$n")
    ((bad_a == 0)) || die "GET /workers failed (N=$n): $(head -c 300 "$tmp/workers-$n.json")"
    id=$(grep -m 1 -o '"id": "[^"]*"' "$tmp/workers-$n.json" | sed 's/.*: "\(.*\)"/\1/')
    [[ -n $id ]] || die "no variant in GET /workers (N=$n)"

    # (b) concurrent clients, each one curl process reusing its connection.
    paths=("/health" "/workers/$id" "/workers/$id/PKGBUILD?flavor=git" "/workers/$id/SRCINFO?flavor=git")
    args=()
    for ((r = 0; r < requests; r++)); do
        args+=(-o /dev/null "$base${paths[r % ${#paths[@]}]}")
    done
    t0=$(now_s)
    pids=()
    for ((c = 0; c < clients; c++)); do
        curl -s -w '%{http_code} %{time_total}\n' "${args[@]}" >"$tmp/load-$n-$c" &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    t1=$(now_s)
    cat "$tmp"/load-"$n"-* >"$tmp/load-$n"
    read -r count bad p50 p99 max < <(stats "$tmp/load-$n")
    stop_server
    awk -v n="$n" -v a="$p50_a" -v c="$count" -v t0="$t0" -v t1="$t1" -v p50="$p50" \
        -v p99="$p99" -v max="$max" -v bad="$bad" 'BEGIN {
        printf "%-7d %9.1f ms %10d %10.0f %9.2f %9.2f %9.2f %7d\n", n, a, c, c / (t1 - t0),
            p50, p99, max, bad }'
    ((count == clients * requests)) || die "only $count of $((clients * requests)) requests answered"
    ((bad == 0)) || die "$bad requests did not answer 200 (N=$n)"
    [[ ${KEEP:-0} == 1 ]] || rm -rf -- "$dir"
done
