#!/usr/bin/env bash
# bench-registry.sh [BINARY] — the community registry's cost, in one run: votes per second
# and the latency of GET /workers (every variant document carrying `community`) on a
# catalog of N workers (default 1000, made by gen-catalog.sh), for
#   none      serve without --db (the baseline: PUT …/vote is answered 404, no registry)
#   sqlite    serve --db sqlite:FILE
#   postgres  serve --db postgres://… (a throwaway cluster by initdb/pg_ctl in the temp dir;
#             left out, with a note, when PostgreSQL is not installed)
# Each registry row is also given as a ratio against `none`. Votes come from USERS accounts
# (default 200) spread over every worker, by wrk with CONNECTIONS connections (default 8)
# for DURATION seconds (default 5); the write limit is raised so that nothing is refused.
#
# BINARY defaults to target/release/rbee-workers. Needs wrk and curl; loopback only. As
# root, PostgreSQL runs as the unprivileged user rbee-test (initdb refuses root). KEEP=1
# keeps the temp dir. Not a test: the numbers depend on the machine.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-target/release/rbee-workers}
n=${N:-1000}
users=${USERS:-200}
conns=${CONNECTIONS:-8}
secs=${DURATION:-5}

die() { printf 'bench-registry: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/bench-common.sh
. "$here/bench-common.sh"
[[ $# -le 1 ]] || { printf 'usage: %s [BINARY]\n' "${0##*/}" >&2; exit 2; }
[[ -x $bin && ! -d $bin ]] || die "$bin is not an executable (build it: cargo build --release)"
[[ $bin == */* ]] && bin=$(cd -- "$(dirname -- "$bin")" && pwd)/${bin##*/}
command -v wrk >/dev/null || die "wrk is needed"
command -v curl >/dev/null || die "curl is needed"
for v in n users conns secs; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer, got '${!v}'"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rbee-bench-registry.XXXXXX")
chmod 755 "$tmp"
server_pid='' pg_bin='' pg_up=0
as_pg() { if [[ $(id -u) == 0 ]]; then su rbee-test -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if ((pg_up)); then as_pg "'$pg_bin/pg_ctl' -D '$tmp/pg/data' -m immediate -w stop" >/dev/null 2>&1 || true; fi
    if [[ ${KEEP:-0} == 1 ]]; then printf 'bench-registry: keeping %s\n' "$tmp" >&2; else rm -rf -- "$tmp"; fi
}
trap cleanup EXIT

export XDG_CONFIG_HOME=$tmp/xdg/config XDG_CACHE_HOME=$tmp/xdg/cache XDG_DATA_HOME=$tmp/xdg/data
unset RBEE_WORKERS_ROOT RBEE_WORKERS_TOKEN
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"

printf 'bench-registry: generating %d workers…\n' "$n" >&2
"$here/gen-catalog.sh" "$n" "$tmp/catalog" 2>/dev/null
"$bin" --root "$tmp/catalog" list --json | grep -o '"worker": "[^"]*"' | sed 's/.*: "\(.*\)"/\1/' |
    sort -u >"$tmp/workers"

# A PostgreSQL cluster, when the binaries are here.
pg_url=''
for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && pg_bin=$d; done
if [[ -z $pg_bin ]] && command -v initdb >/dev/null; then pg_bin=$(dirname "$(command -v initdb)"); fi
if [[ -n $pg_bin ]]; then
    mkdir -p "$tmp/pg/sock" && chmod -R a+rwX "$tmp/pg"
    port=$(( (RANDOM % 20000) + 30000 ))
    as_pg "'$pg_bin/initdb' -D '$tmp/pg/data' -U rbee --auth=trust -E UTF8 >/dev/null" ||
        die "initdb failed"
    as_pg "'$pg_bin/pg_ctl' -D '$tmp/pg/data' -l '$tmp/pg/log' -w -o '-p $port -k $tmp/pg/sock -c listen_addresses=127.0.0.1' start >/dev/null" ||
        die "pg_ctl start failed: $(tail -5 "$tmp/pg/log")"
    pg_up=1
    pg_url="postgres://rbee@127.0.0.1:$port/postgres"
else
    printf 'bench-registry: PostgreSQL not installed; the postgres row is left out\n' >&2
fi

start_server() { # LOG ARGS…
    local log=$1
    shift
    "$bin" --root "$tmp/catalog" serve --addr 127.0.0.1:0 "$@" 2>"$log" &
    server_pid=$!
    base=$(serve_address "$log" "$server_pid") || die "the server did not start (see above)"
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=''; }

cat >"$tmp/vote.lua" <<'LUA'
local tokens, workers = {}, {}
for l in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = l end
for l in io.lines(os.getenv("WORKERS")) do workers[#workers + 1] = l end
local i = math.random(1, 1000003)
request = function()
  i = i + 1
  local t = tokens[(i % #tokens) + 1]
  local w = workers[((i * 7919) % #workers) + 1]
  return wrk.format("PUT", "/workers/" .. w .. "/vote", { ["Authorization"] = "Bearer " .. t }, "")
end
LUA

# wrk_rate OUT: requests per second; wrk_latency OUT: mean latency in ms.
wrk_rate() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
wrk_latency() {
    awk '/^ +Latency/ { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
        else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
        print v }' "$1"
}

declare -A votes latency
run_mode() { # NAME [DB URL]
    local name=$1 url=${2:-} args=()
    if [[ -n $url ]]; then
        : >"$tmp/tokens-$name"
        for ((u = 0; u < users; u++)); do
            "$bin" registry user add "u$u" --db "$url" 2>/dev/null >>"$tmp/tokens-$name"
        done
        args=(--db "$url" --write-limit 100000000)
    else
        printf 'nobody\n' >"$tmp/tokens-$name"
    fi
    start_server "$tmp/serve-$name.log" "${args[@]}"
    TOKENS=$tmp/tokens-$name WORKERS=$tmp/workers \
        wrk -t 2 -c "$conns" -d "${secs}s" --timeout 30s -s "$tmp/vote.lua" "$base" >"$tmp/wrk-vote-$name"
    votes[$name]=$(wrk_rate "$tmp/wrk-vote-$name")
    wrk -t 2 -c 4 -d "${secs}s" --timeout 30s "$base/workers" >"$tmp/wrk-get-$name"
    grep -q 'Non-2xx' "$tmp/wrk-get-$name" && die "GET /workers failed ($name)"
    latency[$name]=$(wrk_latency "$tmp/wrk-get-$name")
    if [[ -n $url ]]; then
        curl -sf -o "$tmp/workers-$name.json" "$base/workers" || die "GET /workers failed ($name)"
        grep -q '"community"' "$tmp/workers-$name.json" || die "no community data ($name)"
    fi
    stop_server
}

run_mode none
run_mode sqlite "sqlite:$tmp/registry.db"
[[ -n $pg_url ]] && run_mode postgres "$pg_url"

printf '\n%d workers, %d accounts, %d connections, %d s each\n' "$n" "$users" "$conns" "$secs"
printf '%-9s %12s %14s %16s %18s\n' MODE 'votes/s' 'vs none' 'GET /workers ms' 'vs none'
for m in none sqlite postgres; do
    [[ -n ${votes[$m]:-} ]] || continue
    awk -v m="$m" -v v="${votes[$m]}" -v v0="${votes[none]}" -v l="${latency[$m]}" \
        -v l0="${latency[none]}" 'BEGIN {
        printf "%-9s %12.0f %13.2fx %16.2f %17.2fx\n", m, v, v / v0, l, l / l0 }'
done
printf '(none answers PUT …/vote with 404: its votes/s is the HTTP floor, not votes)\n'
