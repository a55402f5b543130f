# shellcheck shell=bash disable=SC2034 # $now and $median are set for the caller
# bench-common.sh — sourced by the bench-*.sh scripts: a temp dir that keeps the user's
# configuration, cache and installed database out of the measurement, and the clock.
#
# bench_sandbox NAME: makes $tmp (removed on exit unless KEEP=1), points the XDG dirs into it
# and unsets RBEE_WORKERS_ROOT, so only the catalog under --root is discovered.
bench_sandbox() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/rbee-$1.XXXXXX")
    if [[ ${KEEP:-0} == 1 ]]; then
        printf '%s: keeping %s\n' "$1" "$tmp" >&2
    else
        # shellcheck disable=SC2064 # $tmp is meant to expand now
        trap "rm -rf -- '$tmp'" EXIT
    fi
    export XDG_CONFIG_HOME=$tmp/xdg/config XDG_CACHE_HOME=$tmp/xdg/cache XDG_DATA_HOME=$tmp/xdg/data
    unset RBEE_WORKERS_ROOT
    mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"
}

# Microseconds since the epoch into $now, without a fork when bash has $EPOCHREALTIME (bash >= 5).
now_us() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        local t=${EPOCHREALTIME/[.,]/}
        now=$((10#$t))
    else
        local t
        t=$(date +%s%N)
        now=$((10#$t / 1000))
    fi
}

# median of microsecond integers -> seconds with 4 decimals, into $median
median_of() {
    median=$(printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f", m / 1e6 }')
}

# serve_address LOG PID: waits for the `serve` with PID (its stderr in LOG) to say where it
# listens and prints that base URL; on exit or a minute of silence, shows the log and fails.
serve_address() {
    local log=$1 pid=$2 i found
    for ((i = 0; i < 1200; i++)); do
        found=$(sed -n 's/^serving the catalog on \(http:[^ ]*\).*/\1/p' "$log" | head -n 1)
        if [[ -n $found ]]; then
            printf '%s\n' "$found"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    head -n 20 "$log" >&2
    return 1
}
