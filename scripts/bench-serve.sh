#!/usr/bin/env bash
# bench-serve.sh [N…] — `serve` side by side with nginx serving the `export` of the same
# catalog, on loopback, in one run.
#
# For each N (default 1000): a synthetic catalog of N workers × 4 features (gen-catalog.sh),
# its `export`, nginx (non-daemon, a config in a temp dir, a free loopback port) serving the
# export at the serve URLs, and `rbee-workers serve` on the catalog. Then, for
#   GET /workers/{id}   GET /workers/{id}/PKGBUILD?flavor=git   GET /workers
# it checks that both answer byte-identical bodies, runs `wrk -t2 -c32 -d5s` against each
# (nginx first), and prints req/s, p99 latency and errors of both, the ratio serve/nginx,
# and the peak RSS of serve beside the catalog document's size. Last, a version bump under
# load: wrk on /workers/{id} while the worker's Cargo.toml is bumped, and the time until
# serve answers the new version.
#
# Environment: BIN (default target/release/rbee-workers), DURATION (default 5s), THREADS
# (2), CONNECTIONS (32), KEEP=1 keeps the temp dir. Needs nginx, wrk, curl, python3.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
bin=${BIN:-target/release/rbee-workers}
duration=${DURATION:-5s}
threads=${THREADS:-2}
conns=${CONNECTIONS:-32}
sizes=("$@")
((${#sizes[@]})) || sizes=(1000)

die() { printf 'bench-serve: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/bench-common.sh
. "$here/bench-common.sh"
say() { printf 'bench-serve: %s\n' "$*" >&2; }

[[ -x $bin && ! -d $bin ]] || die "$bin is not an executable (build it: cargo build --release)"
[[ $bin == */* ]] && bin=$(cd -- "$(dirname -- "$bin")" && pwd)/${bin##*/}
for tool in nginx wrk curl python3; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done
for n in "${sizes[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rbee-bench-serve.XXXXXX")
chmod 755 "$tmp"
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then
        say "keeping $tmp"
    else
        rm -rf -- "$tmp"
    fi
}
trap cleanup EXIT

# Only the generated catalog: not the user's configuration, sources or cache.
export XDG_CONFIG_HOME=$tmp/xdg/config XDG_CACHE_HOME=$tmp/xdg/cache XDG_DATA_HOME=$tmp/xdg/data
unset RBEE_WORKERS_ROOT
# serve alone: the export run would otherwise start a watcher of the catalog beside it
# (serve watches for itself).
export RBEE_WORKERS_WATCH=${RBEE_WORKERS_WATCH:-never}
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: until it answers at all.
wait_http() {
    local i
    for ((i = 0; i < 600; i++)); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.05
    done
    die "nothing answers at $1"
}

start_nginx() {
    local export=$1 port=$2 conf=$tmp/nginx
    mkdir -p "$conf/logs"
    cat >"$conf/nginx.conf" <<EOF
user $(id -un);
worker_processes auto;
pid $conf/nginx.pid;
error_log $conf/logs/error.log;
events { worker_connections 1024; }
http {
    types { application/json json; }
    default_type text/plain;
    access_log $conf/logs/access.log;
    client_body_temp_path $conf/body;
    proxy_temp_path $conf/proxy;
    fastcgi_temp_path $conf/fastcgi;
    uwsgi_temp_path $conf/uwsgi;
    scgi_temp_path $conf/scgi;
    server {
        listen 127.0.0.1:$port;
        root $export;
        location = /workers { try_files /index.json =404; }
        location ~ ^/workers/([^/]+)/PKGBUILD\$ { try_files /workers/\$1/\$arg_flavor/PKGBUILD =404; }
        location ~ ^/workers/([^/]+)\$ { try_files /workers/\$1.json =404; }
    }
}
EOF
    nginx -p "$conf" -c "$conf/nginx.conf" -g 'daemon off;' 2>"$conf/logs/stderr" &
    nginx_pid=$!
    pids+=("$nginx_pid")
    wait_http "http://127.0.0.1:$port/workers"
}

start_serve() {
    local root=$1 log=$2
    "$bin" --offline --root "$root" serve --addr 127.0.0.1:0 2>"$log" &
    serve_pid=$!
    pids+=("$serve_pid")
    serve_base=$(serve_address "$log" "$serve_pid") || die "serve did not start (see above)"
}

stop() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# bench URL → "REQ_PER_S P99_MS ERRORS"
bench() {
    wrk -t"$threads" -c"$conns" -d"$duration" --latency "$1" >"$tmp/wrk.out" 2>&1 || true
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
            if (v ~ /s$/) return v * 1000; return v
        }
        $1 == "99%" { p99 = ms($2) }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { err += $NF }
        /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
        END { printf "%.0f %.2f %d\n", rps, p99, err }' "$tmp/wrk.out"
}

rss_kb() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"; }

printf '%-6s %-34s %12s %9s %6s %12s %9s %6s %7s\n' N route 'nginx req/s' 'p99 ms' err \
    'serve req/s' 'p99 ms' err ratio
for n in "${sizes[@]}"; do
    root=$tmp/catalog-$n export=$tmp/export-$n
    say "generating $n workers × 4 features…"
    FEATURES=4 PINNED=1 "$here/gen-catalog.sh" "$n" "$root" 2>/dev/null
    say "exporting…"
    "$bin" --offline --quiet --root "$root" export "$export" 2>"$tmp/export-$n.log" ||
        die "export failed: $(tail -n 5 "$tmp/export-$n.log")"
    port=$(free_port)
    start_nginx "$export" "$port"
    nginx_base=http://127.0.0.1:$port
    say "starting serve…"
    t0=$(date +%s.%N)
    start_serve "$root" "$tmp/serve-$n.log"
    t1=$(date +%s.%N)
    id=$(grep -m 1 -o '"id": "[^"]*"' "$export/index.json" | sed 's/.*: "\(.*\)"/\1/')
    [[ -n $id ]] || die "no variant in the export (N=$n)"
    routes=("/workers/$id" "/workers/$id/PKGBUILD?flavor=git" "/workers")
    for r in "${routes[@]}"; do
        curl -sf -o "$tmp/a" "$nginx_base$r" || die "nginx: GET $r failed"
        curl -sf -o "$tmp/b" "$serve_base$r" || die "serve: GET $r failed"
        cmp -s "$tmp/a" "$tmp/b" || die "GET $r: the bodies of nginx and serve differ"
    done
    for r in "${routes[@]}"; do
        read -r n_rps n_p99 n_err < <(bench "$nginx_base$r")
        read -r s_rps s_p99 s_err < <(bench "$serve_base$r")
        awk -v n="$n" -v r="$r" -v a="$n_rps" -v b="$n_p99" -v c="$n_err" -v d="$s_rps" \
            -v e="$s_p99" -v f="$s_err" 'BEGIN {
            printf "%-6d %-34s %12d %9.2f %6d %12d %9.2f %6d %6.2fx\n", n, r, a, b, c, d, e, f,
                (a > 0 ? d / a : 0) }'
    done
    json=$(stat -c %s "$export/index.json")
    hwm=$(rss_kb "$serve_pid" VmHWM)
    awk -v n="$n" -v j="$json" -v h="$hwm" -v s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" 'BEGIN {
        printf "%-6d serve: peak RSS %.1f MB = %.2fx the catalog document (%.1f MB); first discovery %.2f s\n",
            n, h / 1024, h * 1024 / j, j / 1048576, s }'

    # A version bump under load: how long until serve answers it.
    # The worker's own version, else the workspace's (which bumps its members too).
    w=${id%-*}
    cargo_toml=$root/bin/$w/Cargo.toml
    [[ -f $cargo_toml ]] || cargo_toml=$root/bin/community/$w/Cargo.toml
    grep -q '^version = "' "$cargo_toml" || cargo_toml=$root/Cargo.toml
    if grep -q '^version = "' "$cargo_toml"; then
        wrk -t"$threads" -c"$conns" -d30s "$serve_base/workers/$id" >/dev/null 2>&1 &
        load=$!
        pids+=("$load")
        sleep 1
        sed -i 's/^version = ".*"/version = "99.0.0"/' "$cargo_toml"
        b0=$(date +%s.%N)
        until curl -s "$serve_base/workers/$id" | grep -q '"version": "99.0.0"'; do
            (($(date +%s) - ${b0%.*} < 60)) || die "the bump never showed"
            sleep 0.01
        done
        b1=$(date +%s.%N)
        stop "$load"
        awk -v n="$n" -v a="$b0" -v b="$b1" 'BEGIN {
            printf "%-6d serve: a version bump under load visible after %.0f ms\n", n, (b - a) * 1000 }'
        # The peak again, now that two generations have been alive at once.
        hwm=$(rss_kb "$serve_pid" VmHWM)
        awk -v n="$n" -v j="$json" -v h="$hwm" 'BEGIN {
            printf "%-6d serve: peak RSS after the bump %.1f MB = %.2fx the catalog document\n",
                n, h / 1024, h * 1024 / j }'
    else
        say "no version line for $id in $cargo_toml: no bump measured"
    fi
    stop "$serve_pid"
    stop "$nginx_pid"
    [[ ${KEEP:-0} == 1 ]] || rm -rf -- "$root" "$export"
done
