#!/usr/bin/env bash
# Reproducible side-by-side sweep of trafficsim and its peers (docs/benchmarks.md).
#
#   bench/run.sh [a|b|c|d|e|t|s|j|p|x|m|k|all] default: all (a, b, c; the others on their own)
#   bench/run.sh ratios RESULTS.tsv...   sweep j's ratios and their 90% intervals, sweeps pooled
#
# s  scale at the default flags: 10,000 and 100,000 thinking plain VUs (SCALE_LIST):
#    start-up time (bench/cmd/readywait) and CPU, RSS, KiB per VU, failed requests (sweep_s); the engine on
#    CPU 0 (SCALE_PIN="" unpins it), extra engine flags SCALE_FLAGS, benchserver flags
#    SCALE_SERVER_FLAGS (-fast: on fasthttp, ~3x net/http's answers per core).
# j  the journey against k6, interleaved: bench/scenarios/journey.yaml and the built-in
#    active_user and mixed vs bench/k6/journey.js, requests counted on the target.
# m  memory of thinking journey VUs at the default flags: 2,000 and 20,000 (MEM_LIST)
#    active_user VUs against a separate target, one action a minute each, RSS and
#    goroutines at 180/210/240 s.
# p  two trafficsim builds at the same time (BIN_A, BIN_B; default BIN_A is the one
#    built here): the journey of sweep j from both at once, both on CPU 0, each against
#    its own target on CPU 1, CPU per target-counted request and B/A per round. The
#    host's swings hit both alike, so B/A resolves a change of 1-2% where back-to-back
#    runs vary by a quarter (docs/benchmarks.md, "Comparing two builds"). P_FLAGS_B: extra
#    run flags for B alone (the same build with a feature off prices that feature).
# x  a sharded run above 100,000 VUs: --users 400000 --shard i/4 on this machine, RSS
#    per shard, the merged summary (X_USERS, X_SHARDS).
# k  the cleanup of a run of many accounts: sweep j's journey (a new user every session)
#    for 5 s from 50 VUs against a target answering in CLEAN_LATENCY (5ms), cleanup on;
#    the seconds from the end of the load to the end of the process, and the summary's
#    created/deleted/left (BIN_OLD, if set, measured the same way in every round).
#
# a  single-endpoint GET against bench/cmd/benchserver: trafficsim, k6, vegeta, hey,
#    wrk and a bare Go loop; each tool pinned to CPU 0, the server to CPU 1.
# b  the mixed journey with zero think time against the reference target:
#    trafficsim vs bench/k6/mixed.js.
# c  RSS with many thinking VUs: trafficsim and k6, and how long trafficsim takes until
#    every VU has sent its first request and thinks.
# d  RSS over a 10-minute run at steady load (see sweep_d).
# e  peak RSS against a hostile target: 50 VUs, every answer 50 MB (sized, then chunked),
#    answers drained (plain GET) and answers parsed (mixed: logins); also BIN_OLD if set.
# t  the transports (trafficsim only): fast vs std, HTTP/1.1 vs HTTP/2 (h2c and over
#    TLS), gzip on vs off on a 4 KiB JSON answer; requests per CPU-second side by side.
#
# Environment: RUNS (3), DURATION (10s), CONNS (50), VUS_LIST ("1000 10000 50000 100000"),
# K6_MAX_VUS (largest k6 VU count tried in c, 50000; 0 = none), MAX_IN_FLIGHT (c: 1024),
# LONG and LONG_USERS (d: 10m, 500), OUT (bench/out), PEERS_BIN (prebuilt k6/vegeta to
# copy, /work/peers/bin), SKIP_BUILD (non-empty: use the binaries already in
# bench/.tools/bin; it stops if one is missing).
# Traffic goes to 127.0.0.1 only. Results: one line per run in $OUT/results.tsv and a
# medians table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
VUS_LIST=${VUS_LIST:-"1000 10000 50000 100000"}
K6_MAX_VUS=${K6_MAX_VUS:-50000}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-1024}
OUT=${OUT:-$root/bench/out}
TOOLS=$root/bench/.tools
mkdir -p "$OUT" "$TOOLS/bin"
export PATH=$TOOLS/bin:$PATH
results=$OUT/results.tsv
: >"$results"

log() { printf '== %s\n' "$*" >&2; }

install_peers() { # [k6]: only k6 (the sweeps that compare with k6 alone)
  if [ "${1:-all}" != k6 ] && { ! command -v wrk >/dev/null || ! command -v hey >/dev/null; }; then
    log "installing wrk and hey from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk hey >/dev/null
  fi
  # Prebuilt peers (PEERS_BIN, default /work/peers/bin) save the builds below.
  local pb=${PEERS_BIN:-/work/peers/bin}
  for t in k6 vegeta; do
    if [ ! -x "$TOOLS/bin/$t" ] && [ -x "$pb/$t" ]; then cp "$pb/$t" "$TOOLS/bin/$t"; fi
  done
  if [ ! -x "$TOOLS/bin/k6" ]; then
    if [ -x "${GOPATH:-$HOME/go}/bin/k6" ]; then cp "${GOPATH:-$HOME/go}/bin/k6" "$TOOLS/bin/k6"; else
      log "installing k6 (go install go.k6.io/k6@v1.8.1)"
      GOBIN=$TOOLS/bin go install go.k6.io/k6@v1.8.1
    fi
  fi
  if [ ! -x "$TOOLS/bin/vegeta" ] && [ "${1:-all}" != k6 ]; then
    log "installing vegeta v12.12.0 through a wrapper module"
    local w=$TOOLS/vegeta-wrapper
    mkdir -p "$w"
    (cd "$w" && { [ -f go.mod ] || go mod init vegeta-wrapper >/dev/null 2>&1; } &&
      go get github.com/tsenart/vegeta/v12@v12.12.0 >/dev/null 2>&1 &&
      GOBIN=$TOOLS/bin go install github.com/tsenart/vegeta/v12)
  fi
}

build_ours() {
  if [ -n "${SKIP_BUILD:-}" ]; then
    log "SKIP_BUILD set: using the binaries in $TOOLS/bin"
    # A tool missing would not stop a sweep, only make its figures wrong
    # (sweep s's start-up times without readywait): stop here instead.
    local t
    for t in trafficsim benchserver bareloop readywait barejourney wakefloor loopjourney; do
      [ -x "$TOOLS/bin/$t" ] || { echo "bench/run.sh: SKIP_BUILD is set but $TOOLS/bin/$t is missing; run once without SKIP_BUILD to build the tools" >&2; exit 2; }
    done
    return
  fi
  log "building trafficsim, benchserver, bareloop, barejourney, wakefloor, loopjourney, readywait"
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/trafficsim" ./engine/cmd/trafficsim
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/benchserver" ./bench/cmd/benchserver
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/bareloop" ./bench/cmd/bareloop
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/readywait" ./bench/cmd/readywait
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/barejourney" ./bench/cmd/barejourney
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/wakefloor" ./bench/cmd/wakefloor
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/loopjourney" ./bench/cmd/loopjourney
}

pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_http() { # url
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

record() { # sweep tool metric value
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"
  printf '   %-4s %-12s %-10s %s\n' "$1" "$2" "$3" "$4" >&2
}

secs() { local d=$1; case $d in *ms) echo "scale=3; ${d%ms}/1000" | bc ;; *s) echo "${d%s}" ;; *m) echo $((${d%m} * 60)) ;; *) echo "$d" ;; esac; }

# timed file cmd...: run cmd, writing its user+system CPU seconds to file.
timed() { local f=$1; shift; /usr/bin/time -f '%U %S' -o "$f" "$@"; }
cpu_of() { awk 'END {print $1 + $2}' "$1"; }

# record_a tool requests seconds cpufile: requests/s, and requests per CPU-second of
# the tool (its own user+system time) — the per-core figure that other load on the
# machine disturbs least.
record_a() {
  local cpu; cpu=$(cpu_of "$4")
  record "${SWEEP:-a}" "$1" rps "$(echo "$2 / $3" | bc)"
  record "${SWEEP:-a}" "$1" req_per_cpu_s "$(echo "$2 / $cpu" | bc)"
}

sweep_a() {
  local url=http://127.0.0.1:9600/ tmp=$OUT/a
  mkdir -p "$tmp"
  taskset -c 1 benchserver --addr 127.0.0.1:9600 2>/dev/null &
  pids+=($!)
  wait_http "$url"
  local d; d=$(secs "$DURATION")
  for run in $(seq 1 "$RUNS"); do
    log "sweep a, run $run/$RUNS (load $(cut -d' ' -f1 /proc/loadavg))"
    timed "$tmp/cpu" taskset -c 0 trafficsim run --base-url http://127.0.0.1:9600 --scenario bench/scenarios/get.yaml \
      --users "$CONNS" --duration "$DURATION" --delay-min 0 --delay-max 0 --progress off \
      --min-request-count 10000000 --max-request-count 10000000 \
      --summary "$tmp/trafficsim.json" >/dev/null 2>&1 || true
    record_a trafficsim "$(jq -r .requests "$tmp/trafficsim.json")" "$(jq -r .duration_seconds "$tmp/trafficsim.json")" "$tmp/cpu"
    K6_NO_USAGE_REPORT=true timed "$tmp/cpu" taskset -c 0 k6 run -q --no-color --summary-export "$tmp/k6.json" \
      -e URL="$url" -e VUS="$CONNS" -e DURATION="$DURATION" bench/k6/get.js >/dev/null 2>&1
    record_a k6 "$(jq -r .metrics.http_reqs.count "$tmp/k6.json")" "$(jq -r '.metrics.http_reqs.count / .metrics.http_reqs.rate' "$tmp/k6.json")" "$tmp/cpu"
    echo "GET $url" | timed "$tmp/cpu" taskset -c 0 vegeta attack -rate=0 -max-workers="$CONNS" -workers="$CONNS" \
      -duration="$DURATION" -keepalive=true >"$tmp/vegeta.bin"
    vegeta report -type=json "$tmp/vegeta.bin" >"$tmp/vegeta.json"
    record_a vegeta "$(jq -r .requests "$tmp/vegeta.json")" "$(jq -r '.duration / 1e9' "$tmp/vegeta.json")" "$tmp/cpu"
    timed "$tmp/cpu" taskset -c 0 hey -z "$DURATION" -c "$CONNS" "$url" >"$tmp/hey.txt"
    record_a hey "$(awk '/Requests\/sec/ {r=$2} /Total:/ {t=$2} END {printf "%d", r * t}' "$tmp/hey.txt")" \
      "$(awk '/Total:/ {print $2; exit}' "$tmp/hey.txt")" "$tmp/cpu"
    timed "$tmp/cpu" taskset -c 0 wrk -t1 -c"$CONNS" -d"$DURATION" "$url" >"$tmp/wrk.txt"
    record_a wrk "$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")" "$d" "$tmp/cpu"
    timed "$tmp/cpu" taskset -c 0 bareloop -url "$url" -c "$CONNS" -d "$DURATION" >"$tmp/bareloop.txt"
    record_a bareloop "$(sed -E 's/.*requests=([0-9]+).*/\1/' "$tmp/bareloop.txt")" \
      "$(sed -E 's/.*seconds=([0-9.]+).*/\1/' "$tmp/bareloop.txt")" "$tmp/cpu"
  done
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
}

sweep_b() {
  local tmp=$OUT/b
  mkdir -p "$tmp"
  # A fresh target for every run of either tool: the target grows by the users each
  # run registers, and a bigger store makes searches slower; with one target shared
  # by all rounds, later rounds (and the second tool of each) faced a slower target.
  start_target() {
    taskset -c 1 trafficsim target --addr 127.0.0.1:9501 --bcrypt-cost 4 --admin-password bench-admin-pw >/dev/null 2>&1 &
    pids+=($!)
    wait_http http://127.0.0.1:9501/healthz
  }
  stop_target() {
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
  }
  for run in $(seq 1 "$RUNS"); do
    log "sweep b, run $run/$RUNS (load $(cut -d' ' -f1 /proc/loadavg))"
    start_target
    timed "$tmp/cpu" taskset -c 0 trafficsim run --base-url http://127.0.0.1:9501 --scenario mixed \
      --admin-password bench-admin-pw --users "$CONNS" --duration "$DURATION" --delay-min 0 --delay-max 0 \
      --min-request-count 10000000 --max-request-count 10000000 --cleanup=false --progress off \
      --summary "$tmp/trafficsim.json" >/dev/null 2>&1 || true
    stop_target
    record b trafficsim rps "$(jq -r '.requests / .duration_seconds | floor' "$tmp/trafficsim.json")"
    record b trafficsim req_per_cpu_s "$(echo "$(jq -r .requests "$tmp/trafficsim.json") / $(cpu_of "$tmp/cpu")" | bc)"
    start_target
    K6_NO_USAGE_REPORT=true timed "$tmp/cpu" taskset -c 0 k6 run -q --no-color --summary-export "$tmp/k6.json" \
      -e BASE=http://127.0.0.1:9501 -e ADMIN_PASSWORD=bench-admin-pw -e VUS="$CONNS" -e DURATION="$DURATION" \
      bench/k6/mixed.js >/dev/null 2>&1 || true
    stop_target
    record b k6 rps "$(jq -r '.metrics.http_reqs.rate | floor' "$tmp/k6.json")"
    record b k6 req_per_cpu_s "$(echo "$(jq -r .metrics.http_reqs.count "$tmp/k6.json") / $(cpu_of "$tmp/cpu")" | bc)"
  done
}

# Sweep e: peak RSS (the kernel's high-water mark, /usr/bin/time %M) of 50 VUs that
# receive 50 MB answers for 15 s, each shape of answer and each kind of request.
# BIN_OLD (a trafficsim binary) is measured the same way, for the comparison.
sweep_e() {
  local tmp=$OUT/e
  mkdir -p "$tmp"
  for shape in sized chunked; do
    local extra=()
    [ "$shape" = chunked ] && extra=(-chunked)
    benchserver --addr 127.0.0.1:9610 -body-bytes $((50 << 20)) "${extra[@]}" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 1 100); do curl -s -o /dev/null -r 0-0 http://127.0.0.1:9610/ 2>/dev/null && break; sleep 0.1; done
    for bin in trafficsim ${BIN_OLD:-}; do
      for sc in bench/scenarios/get.yaml mixed; do
        log "sweep e: $bin, $shape answers, scenario $sc"
        # --skip-check: the run's check of the user-service API would refuse this target
        # before a VU starts, and what the sweep measures is the VUs reading its answers.
        /usr/bin/time -f '%M' -o "$tmp/rss" "$bin" run --base-url http://127.0.0.1:9610 --scenario "$sc" \
          --users 50 --duration 15s --delay-min 0 --delay-max 0 --min-request-count 1000000 \
          --max-request-count 1000000 --cleanup=false --skip-check --progress off --summary "$tmp/s.json" >/dev/null 2>&1 || true
        # time(1) puts "Command exited with non-zero status N" first when the run fails.
        record e "$(basename "$bin")/$shape/$(basename "$sc" .yaml)" peak_rss_mib "$(($(tail -n 1 "$tmp/rss") / 1024))"
        record e "$(basename "$bin")/$shape/$(basename "$sc" .yaml)" requests "$(jq -r .requests "$tmp/s.json")"
      done
    done
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
  done
}

# rss_of pid: resident set size in KiB.
rss_of() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# settle pid: wait until RSS stops growing (three equal-ish readings one second apart).
settle() {
  local p=$1 last=0 cur stable=0
  for _ in $(seq 1 120); do
    sleep 1
    cur=$(rss_of "$p") || return 0
    if [ "$cur" -le $((last + last / 100)) ]; then stable=$((stable + 1)); else stable=0; fi
    [ "$stable" -ge 3 ] && break
    last=$cur
  done
}

# Breakers and adaptive timeouts are off in c: every VU starting in the same instant
# against a one-core server makes the first answers slow, and k6 has neither. At most
# MAX_IN_FLIGHT (1024) first requests are on the wire at once: each costs a deep
# goroutine stack and a connection while in flight, and the peak, not the thinking
# VUs, would otherwise set the RSS.
sweep_c() {
  taskset -c 1 benchserver --addr 127.0.0.1:9600 2>/dev/null &
  pids+=($!)
  wait_http http://127.0.0.1:9600/
  for n in $VUS_LIST; do
    log "sweep c, $n thinking VUs"
    local t0 t1 answered
    answered=$(curl -fsS http://127.0.0.1:9600/_count)
    t0=$(date +%s.%N)
    trafficsim run --base-url http://127.0.0.1:9600 --scenario bench/scenarios/sleepers.yaml \
      --users "$n" --duration 10m --min-request-count 2 --max-request-count 2 --progress off \
      --metrics-addr 127.0.0.1:9613 --delay-min 10m --delay-max 10m --breakers=false --adaptive-timeouts=false \
      --max-in-flight "$MAX_IN_FLIGHT" \
      >"$OUT/c-trafficsim-$n.log" 2>&1 &
    local p=$!
    # Started = every VU has sent its first request and is thinking.
    for _ in $(seq 1 1200); do
      thinking=$(curl -fsS 127.0.0.1:9613/metrics 2>/dev/null | awk '/^trafficsim_virtual_users\{.*state="thinking"/ {printf "%d", $2}' || true)
      [ "${thinking:-0}" = "$n" ] && break
      sleep 0.05
    done
    t1=$(date +%s.%N)
    record c trafficsim "start_ms_$n" "$(echo "($t1 - $t0) * 1000 / 1" | bc)"
    settle "$p"
    record c trafficsim "rss_kib_$n" "$(rss_of "$p")"
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    if [ "$n" -le "$K6_MAX_VUS" ]; then
      K6_NO_USAGE_REPORT=true k6 run -q --no-color -e URL=http://127.0.0.1:9600/ -e VUS="$n" -e DURATION=10m \
        bench/k6/sleepers.js >"$OUT/c-k6-$n.log" 2>&1 &
      p=$!
      settle "$p"
      record c k6 "rss_kib_$n" "$(rss_of "$p")"
      kill -KILL "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
}

# d  memory over a long run: the mixed scenario at steady load (LONG_USERS VUs, default
#    think times) against the reference target for LONG (10m); RSS every 30 s, with the
#    Go runtime's heap in use, heap kept idle and goroutine stacks. The goal:
#    the last reading within 5% of the minute-2 reading.
sweep_d() {
  local long=${LONG:-10m} users=${LONG_USERS:-500} tmp=$OUT/d
  mkdir -p "$tmp"
  taskset -c 1 trafficsim target --addr 127.0.0.1:9502 --bcrypt-cost 4 --admin-password bench-admin-pw >/dev/null 2>&1 &
  pids+=($!)
  wait_http http://127.0.0.1:9502/healthz
  log "sweep d: $users VUs for $long"
  taskset -c 0 trafficsim run --base-url http://127.0.0.1:9502 --scenario mixed --admin-password bench-admin-pw \
    --users "$users" --duration "$long" --min-request-count 10000000 --max-request-count 10000000 \
    --progress off --metrics-addr 127.0.0.1:9593 --summary "$tmp/trafficsim.json" >"$tmp/run.log" 2>&1 &
  local p=$! t=0
  while kill -0 "$p" 2>/dev/null; do
    sleep 30
    t=$((t + 30))
    local rss; rss=$(rss_of "$p" 2>/dev/null) || break
    [ -n "$rss" ] && record d trafficsim "rss_kib_at_${t}s" "$rss"
    # What the RSS holds, from the Go runtime: heap in use, heap kept but idle
    # (not returned to the system), goroutine stacks.
    curl -fsS 127.0.0.1:9593/metrics 2>/dev/null | awk -v t="$t" '
      /^go_memstats_heap_inuse_bytes / {h = $2} /^go_memstats_heap_idle_bytes / {i = $2}
      /^go_memstats_heap_released_bytes / {r = $2} /^go_memstats_stack_inuse_bytes / {s = $2}
      END {if (h) printf "%d %d %d\n", h / 1024, (i - r) / 1024, s / 1024}' | {
      read -r heap idle stack || true
      if [ -n "${heap:-}" ]; then
        record d trafficsim "heap_inuse_kib_at_${t}s" "$heap"
        record d trafficsim "heap_idle_kept_kib_at_${t}s" "$idle"
        record d trafficsim "stack_kib_at_${t}s" "$stack"
      fi
    }
  done
  wait "$p" 2>/dev/null || true
  record d trafficsim requests "$(jq -r .requests "$tmp/trafficsim.json")"
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
}

# Sweep j: the journey against k6, interleaved. Each round runs, each against a fresh
# `trafficsim target --bcrypt-cost 4` on CPU 1 and pinned to CPU 0 with no think time:
# trafficsim with bench/scenarios/journey.yaml (the journey of bench/k6/journey.js,
# session after session), k6 with bench/k6/journey.js (r.json(), checks, tags), the
# same journey as a plain Go program (bench/cmd/barejourney: net/http, encoding/json,
# nothing recorded) and as an event loop (bench/cmd/loopjourney: one thread, raw epoll,
# HTTP and JSON by hand, an HDR histogram), and trafficsim with the built-in active_user and mixed scenarios;
# and the floor, bench/cmd/wakefloor: 32-byte round trips to an echo server that is
# busy WAKE_WORK (140us, about the target's time per journey request) per message, from a
# goroutine per connection through net.Conn (wake_floor) and as trafficsim's transport
# does it, one pass through the runtime's poller with raw calls (rawconn_floor), from one
# thread making raw epoll_pwait, read and write calls (raw_floor: what the kernel alone
# charges a round trip), and the same loop resuming each connection's synchronous client
# as a coroutine (coro_floor). Requests are counted on the target (its
# http_server_requests_total, all API routes; one line per route and tool in
# $OUT/j/routes-*.txt) and divided by the tool's user+system CPU seconds.
# JOURNEY_ROWS picks the rows (default: all ten, in sweep_j's rows); even rounds run
# them in reverse order.
target_requests() { # url -> API requests the target answered
  curl -fsS "$1/metrics" | awk '/^http_server_requests_total\{/ && /route="\/api/ {n += $NF} END {printf "%d", n}'
}
sweep_j() {
  local tmp=$OUT/j port=9521
  local rows=${JOURNEY_ROWS:-ts_journey k6_journey bare_journey loop_journey wake_floor rawconn_floor raw_floor coro_floor ts_active_user ts_mixed}
  mkdir -p "$tmp"
  for run in $(seq 1 "$RUNS"); do
    # Every other round runs the rows in reverse, so that a host slowing down (or
    # speeding up) through a sweep does not always fall on the same tool.
    local order=$rows
    [ $((run % 2)) -eq 0 ] && order=$(printf '%s\n' $rows | tac | tr '\n' ' ')
    for row in $order; do
      log "sweep j, run $run/$RUNS, $row (load $(cut -d' ' -f1 /proc/loadavg))"
      record j "$row" load "$(cut -d' ' -f1 /proc/loadavg)"
      if [ "${row%_floor}" != "$row" ]; then # wake_floor rawconn_floor raw_floor coro_floor
        local mode=""; [ "$row" != wake_floor ] && mode=-${row%_floor}
        # No target: an echo server as busy per message as the target is per request.
        taskset -c 1 wakefloor -serve -addr 127.0.0.1:$port -work "${WAKE_WORK:-140us}" &
        pids+=($!)
        for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
        timed "$tmp/cpu" taskset -c 0 wakefloor $mode -addr 127.0.0.1:$port -c "$CONNS" -d "$DURATION" >"$tmp/wakefloor.txt" 2>&1 || true
        kill "${pids[-1]}" 2>/dev/null || true
        wait "${pids[-1]}" 2>/dev/null || true
        local trips; trips=$(sed -nE 's/.*round_trips=([0-9]+).*/\1/p' "$tmp/wakefloor.txt")
        record j "$row" round_trips "${trips:-0}"
        record j "$row" cpu_s "$(cpu_of "$tmp/cpu")"
        record j "$row" req_per_cpu_s "$(echo "${trips:-0} / $(cpu_of "$tmp/cpu")" | bc)"
        continue
      fi
      taskset -c 1 trafficsim target --addr 127.0.0.1:$port --bcrypt-cost 4 --admin-password bench-admin-pw >/dev/null 2>&1 &
      pids+=($!)
      wait_http http://127.0.0.1:$port/healthz
      local before; before=$(target_requests http://127.0.0.1:$port)
      case $row in
        k6_journey)
          K6_NO_USAGE_REPORT=true timed "$tmp/cpu" taskset -c 0 k6 run -q --no-color -e BASE=http://127.0.0.1:$port \
            -e VUS="$CONNS" -e DURATION="$DURATION" bench/k6/journey.js >"$tmp/k6.log" 2>&1 || true ;;
        bare_journey | loop_journey) # bench/cmd/barejourney, bench/cmd/loopjourney
          local bin=${row%_journey}journey
          timed "$tmp/cpu" taskset -c 0 "$bin" -base http://127.0.0.1:$port -c "$CONNS" -d "$DURATION" \
            >"$tmp/$bin.txt" 2>&1 || true ;;
        ts_*)
          local sc=${row#ts_} budget=10000000
          [ "$sc" = journey ] && sc=bench/scenarios/journey.yaml budget=18000
          timed "$tmp/cpu" taskset -c 0 trafficsim run --base-url http://127.0.0.1:$port --scenario "$sc" \
            --admin-password bench-admin-pw --users "$CONNS" --duration "$DURATION" --delay-min 0 --delay-max 0 \
            --min-request-count $budget --max-request-count $budget --cleanup=false --progress off \
            --summary "$tmp/$row.json" >/dev/null 2>&1 || true ;;
      esac
      local n; n=$(($(target_requests http://127.0.0.1:$port) - before))
      curl -fsS "http://127.0.0.1:$port/metrics" | awk '/^http_server_requests_total\{/ && /route="\/api/' >"$tmp/routes-$row-$run.txt"
      kill "${pids[-1]}" 2>/dev/null || true
      wait "${pids[-1]}" 2>/dev/null || true
      record j "$row" target_requests "$n"
      record j "$row" cpu_s "$(cpu_of "$tmp/cpu")"
      record j "$row" req_per_cpu_s "$(echo "$n / $(cpu_of "$tmp/cpu")" | bc)"
    done
  done
}

# Sweep p: BIN_A and BIN_B running sweep j's journey at the same moment, each against
# its own target, both tools on CPU 0 and both targets on CPU 1. Which starts first
# alternates by round. Records each build's CPU µs per request counted on its target and
# B/A per round.
sweep_p() {
  local tmp=$OUT/p a=${BIN_A:-$TOOLS/bin/trafficsim} b=${BIN_B:?sweep p needs BIN_B, a trafficsim binary}
  mkdir -p "$tmp"
  one_p() { # bin port tag [flags]
    # shellcheck disable=SC2086 # flags are words
    timed "$tmp/cpu.$3" taskset -c 0 "$1" run ${4:-} --base-url "http://127.0.0.1:$2" --scenario bench/scenarios/journey.yaml \
      --admin-password bench-admin-pw --users "$CONNS" --duration "$DURATION" --delay-min 0 --delay-max 0 \
      --min-request-count 18000 --max-request-count 18000 --cleanup=false --progress off \
      --summary "$tmp/$3.json" >/dev/null 2>&1 || true
  }
  for run in $(seq 1 "$RUNS"); do
    log "sweep p, run $run/$RUNS (load $(cut -d' ' -f1 /proc/loadavg))"
    for port in 9531 9532; do
      taskset -c 1 "$a" target --addr 127.0.0.1:$port --bcrypt-cost 4 --admin-password bench-admin-pw >/dev/null 2>&1 &
      pids+=($!)
      wait_http http://127.0.0.1:$port/healthz
    done
    local a0 b0; a0=$(target_requests http://127.0.0.1:9531); b0=$(target_requests http://127.0.0.1:9532)
    local p1 p2
    if [ $((run % 2)) = 1 ]; then
      one_p "$a" 9531 a & p1=$!; one_p "$b" 9532 b "${P_FLAGS_B:-}" & p2=$!
    else
      one_p "$b" 9532 b "${P_FLAGS_B:-}" & p1=$!; one_p "$a" 9531 a & p2=$!
    fi
    wait "$p1" "$p2" || true
    local na nb; na=$(($(target_requests http://127.0.0.1:9531) - a0)); nb=$(($(target_requests http://127.0.0.1:9532) - b0))
    kill "${pids[-1]}" "${pids[-2]}" 2>/dev/null || true
    wait "${pids[-1]}" "${pids[-2]}" 2>/dev/null || true
    local ua ub
    ua=$(echo "scale=2; $(cpu_of "$tmp/cpu.a") * 1000000 / $na" | bc)
    ub=$(echo "scale=2; $(cpu_of "$tmp/cpu.b") * 1000000 / $nb" | bc)
    record p A us_per_req "$ua"
    record p B us_per_req "$ub"
    record p B/A ratio "$(echo "scale=3; $ub / $ua" | bc)"
  done
}

# Sweep x: a sharded run above 100,000 VUs on this machine, at the default flags:
# `--users X_USERS --shard i/X_SHARDS` (400000 and 4: 100,000 VUs each), the shards
# started together (--start-at) against benchserver, every VU sending one GET and then
# thinking for 10 minutes. Records each shard's start time (until all its VUs think)
# and RSS, the machine's total, then stops them (SIGINT) and merges their summaries
# with `trafficsim merge` ($OUT/x/merged.txt, merged.json).
sweep_x() {
  local tmp=$OUT/x users=${X_USERS:-400000} shards=${X_SHARDS:-4}
  mkdir -p "$tmp"
  taskset -c 1 benchserver --addr 127.0.0.1:9600 2>/dev/null &
  pids+=($!)
  wait_http http://127.0.0.1:9600/
  local at; at=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)
  record x "trafficsim/$users/$shards" load "$(cut -d' ' -f1 /proc/loadavg)"
  local ps=() t0; t0=$(date +%s.%N)
  for i in $(seq 0 $((shards - 1))); do
    trafficsim run --base-url http://127.0.0.1:9600 --scenario bench/scenarios/sleepers.yaml \
      --users "$users" --shard "$i/$shards" --run-id shardx01 --seed 42 --start-at "$at" \
      --duration 30m --min-request-count 2 --max-request-count 2 --progress off \
      --delay-min 10m --delay-max 10m --metrics-addr 127.0.0.1:$((9620 + i)) --summary "$tmp/s-$i.json" \
      >"$tmp/run-$i.log" 2>&1 &
    ps+=($!)
  done
  local part=$((users / shards)) left=$shards
  declare -A ready=()
  for _ in $(seq 1 3000); do # 10 minutes at most
    for i in $(seq 0 $((shards - 1))); do
      [ -n "${ready[$i]:-}" ] && continue
      local th; th=$(curl -fsS 127.0.0.1:$((9620 + i))/metrics 2>/dev/null | awk '/^trafficsim_virtual_users\{.*state="thinking"/ {printf "%d", $2}' || true)
      if [ "${th:-0}" -ge "$part" ]; then
        ready[$i]=1; left=$((left - 1))
        record x "trafficsim/$users/$shards" "shard_${i}_ready_s_after_start_at" "$(echo "$(date +%s.%N) - $(date -d "$at" +%s)" | bc)"
      fi
    done
    [ "$left" -eq 0 ] && break
    sleep 0.2
  done
  local total=0
  for i in $(seq 0 $((shards - 1))); do settle "${ps[$i]}"; done
  for i in $(seq 0 $((shards - 1))); do
    local r; r=$(rss_of "${ps[$i]}")
    total=$((total + r))
    record x "trafficsim/$users/$shards" "shard_${i}_rss_kib" "$r"
    record x "trafficsim/$users/$shards" "shard_${i}_kib_per_vu" "$(echo "scale=2; $r / $part" | bc)"
  done
  record x "trafficsim/$users/$shards" total_rss_kib "$total"
  for p in "${ps[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${ps[@]}"; do wait "$p" 2>/dev/null || true; done
  trafficsim merge --summary "$tmp/merged.json" "$tmp"/s-*.json >"$tmp/merged.txt" 2>&1 || true
  record x "trafficsim/$users/$shards" merged_users "$(jq -r .users "$tmp/merged.json")"
  record x "trafficsim/$users/$shards" merged_requests "$(jq -r .requests "$tmp/merged.json")"
  record x "trafficsim/$users/$shards" merged_failed "$(jq -r '.requests - .outcomes.success' "$tmp/merged.json")"
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
}

# Sweep k: the cleanup of a run of many accounts (see the header).
sweep_k() {
  local tmp=$OUT/k port=9531
  mkdir -p "$tmp"
  local bins=("$TOOLS/bin/trafficsim") names=(trafficsim)
  if [ -n "${BIN_OLD:-}" ]; then bins+=("$BIN_OLD"); names+=(trafficsim_old); fi
  for run in $(seq 1 "$RUNS"); do
    for i in "${!bins[@]}"; do
      taskset -c 1 "$TOOLS/bin/trafficsim" target --addr 127.0.0.1:$port --bcrypt-cost 4 --admin-password bench-admin-pw \
        --latency "${CLEAN_LATENCY:-5ms}" >/dev/null 2>&1 &
      pids+=($!)
      wait_http http://127.0.0.1:$port/healthz
      local start end
      start=$(date +%s.%N)
      taskset -c 0 "${bins[$i]}" run --base-url http://127.0.0.1:$port --scenario bench/scenarios/journey.yaml \
        --admin-password bench-admin-pw --users "$CONNS" --duration 5s --delay-min 0 --delay-max 0 \
        --min-request-count 18000 --max-request-count 18000 --progress off --summary "$tmp/summary.json" >/dev/null 2>&1 || true
      end=$(date +%s.%N)
      kill "${pids[-1]}" 2>/dev/null || true
      wait "${pids[-1]}" 2>/dev/null || true
      record k "${names[$i]}" after_load_s "$(echo "$end - $start - 5" | bc)"
      record k "${names[$i]}" created "$(jq .cleanup.created "$tmp/summary.json")"
      record k "${names[$i]}" deleted "$(jq .cleanup.deleted "$tmp/summary.json")"
      record k "${names[$i]}" left "$(jq .cleanup.left "$tmp/summary.json")"
    done
  done
}

# Sweep m: memory of thinking journey VUs at the default flags. For each n in
# MEM_LIST ("2000 20000"): `trafficsim run --users n` (SCENARIO, default active_user)
# against a separate `trafficsim target --bcrypt-cost 4` on CPU 1, every think time
# MEM_THINK (60s; --delay-min = --delay-max), so a VU starts within the first minute,
# signs up, logs in and then takes one action a minute, thinking the rest of it; at
# 180, 210 and 240 s the RSS, the VUs thinking, the process's goroutines and the
# requests so far.
sweep_m() {
  local tmp=$OUT/m port=9531 sc=${SCENARIO:-active_user} think=${MEM_THINK:-60s}
  mkdir -p "$tmp"
  for n in ${MEM_LIST:-2000 20000}; do
    taskset -c 1 trafficsim target --addr 127.0.0.1:$port --bcrypt-cost 4 --admin-password bench-admin-pw >/dev/null 2>&1 &
    pids+=($!)
    wait_http http://127.0.0.1:$port/healthz
    log "sweep m, $n $sc VUs (load $(cut -d' ' -f1 /proc/loadavg))"
    record m "$sc" "load_$n" "$(cut -d' ' -f1 /proc/loadavg)"
    # shellcheck disable=SC2086 # MEM_FLAGS are words
    trafficsim run --base-url http://127.0.0.1:$port --scenario "$sc" --admin-password bench-admin-pw \
      --users "$n" --min-request-count 1000 --max-request-count 1000 --delay-min "$think" --delay-max "$think" \
      --duration 250s --progress off --metrics-addr 127.0.0.1:9634 --summary "$tmp/s-$n.json" ${MEM_FLAGS:-} \
      >"$tmp/run-$n.log" 2>&1 &
    local p=$! t
    for t in 180 210 240; do
      sleep $((t == 180 ? 180 : 30))
      kill -0 "$p" 2>/dev/null || { log "the run ended early: $(tail -1 "$tmp/run-$n.log")"; break; }
      local m; m=$(curl -fsS 127.0.0.1:9634/metrics 2>/dev/null || true)
      local rss; rss=$(rss_of "$p")
      record m "$sc" "rss_kib_${n}_at_${t}s" "$rss"
      record m "$sc" "kib_per_vu_${n}_at_${t}s" "$(echo "scale=2; $rss / $n" | bc)"
      record m "$sc" "thinking_${n}_at_${t}s" "$(awk '/^trafficsim_virtual_users\{.*state="thinking"/ {printf "%d", $2}' <<<"$m")"
      record m "$sc" "goroutines_${n}_at_${t}s" "$(awk '/^go_goroutines / {print $2}' <<<"$m")"
      record m "$sc" "requests_${n}_at_${t}s" "$(awk '/^trafficsim_requests_total\{/ {n += $NF} END {printf "%d", n}' <<<"$m")"
    done
    wait "$p" 2>/dev/null || true
    record m "$sc" "unexpected_$n" "$(jq -r .unexpected "$tmp/s-$n.json")"
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
  done
}

# Sweep s: scale at the DEFAULT flags — what a user gets with no tuning. For each n in
# SCALE_LIST ("10000 100000"): n plain VUs (bench/scenarios/sleepers.yaml) each send one
# GET to benchserver (CPU 1) and think for 10 minutes; only the scenario, the think time
# and the observation flags are given. Records the time until every VU has had its
# answer and thinks (start_ms), the settled RSS, KiB per VU and goroutines, then stops the run
# (SIGINT) and records its failed requests from the summary (failed = requests with no
# answer or an unexpected status). SCALE_FLAGS adds flags (the tuned rows, --ramp-up).
sweep_s() {
  local tmp=$OUT/s tag=${SCALE_TAG:-defaults}
  mkdir -p "$tmp"
  # shellcheck disable=SC2086 # SCALE_SERVER_FLAGS are words (e.g. -fast: benchserver on fasthttp)
  taskset -c 1 benchserver --addr 127.0.0.1:9600 ${SCALE_SERVER_FLAGS:-} 2>/dev/null &
  pids+=($!)
  wait_http http://127.0.0.1:9600/
  for n in ${SCALE_LIST:-10000 100000}; do
    log "sweep s ($tag), $n thinking plain VUs (load $(cut -d' ' -f1 /proc/loadavg))"
    record s "trafficsim/$tag" "load_$n" "$(cut -d' ' -f1 /proc/loadavg)"
    local t0 t1 answered
    answered=$(curl -fsS http://127.0.0.1:9600/_count)
    t0=$(date +%s.%N)
    # The engine on CPU 0 and the target on CPU 1, as in sweeps a and t: unpinned,
    # the engine's second thread takes the target's core and the start measures
    # the two fighting over it (SCALE_PIN="" to run it so).
    # shellcheck disable=SC2086 # SCALE_FLAGS and SCALE_PIN are words
    ${SCALE_PIN-taskset -c 0} trafficsim run --base-url http://127.0.0.1:9600 --scenario bench/scenarios/sleepers.yaml \
      --users "$n" --duration 10m --min-request-count 2 --max-request-count 2 --progress off \
      --delay-min 10m --delay-max 10m --metrics-addr 127.0.0.1:9613 --summary "$tmp/s-$n.json" ${SCALE_FLAGS:-} \
      >"$tmp/run-$n.log" 2>&1 &
    local p=$!
    # One Go process polls benchserver's answer count, then the engine's
    # /metrics, every 2 ms (bench/cmd/readywait): a curl | awk loop forked two
    # processes a poll, about 40 ms of CPU each time on this VM.
    readywait -count http://127.0.0.1:9600/_count -base "$answered" -metrics http://127.0.0.1:9613/metrics -want "$n" -pid "$p" || true
    t1=$(date +%s.%N)
    record s "trafficsim/$tag" "start_ms_$n" "$(echo "($t1 - $t0) * 1000 / 1" | bc)"
    # The engine's CPU until then (user + system, from /proc): the part of the
    # start that other load on the machine disturbs least.
    record s "trafficsim/$tag" "start_cpu_ms_$n" "$(awk '{print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' "/proc/$p/stat")"
    settle "$p"
    local rss; rss=$(rss_of "$p")
    record s "trafficsim/$tag" "rss_kib_$n" "$rss"
    record s "trafficsim/$tag" "kib_per_vu_$n" "$(echo "scale=2; $rss / $n" | bc)"
    record s "trafficsim/$tag" "goroutines_$n" "$(curl -fsS 127.0.0.1:9613/metrics | awk '$1 == "go_goroutines" {print $2}')"
    sleep 10
    record s "trafficsim/$tag" "rss_kib_10s_later_$n" "$(rss_of "$p")"
    kill -INT "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    record s "trafficsim/$tag" "requests_$n" "$(jq -r .requests "$tmp/s-$n.json")"
    record s "trafficsim/$tag" "failed_$n" "$(jq -r '.requests - .outcomes.success' "$tmp/s-$n.json")"
  done
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
}

# host_facts: which machine the figures come from, first in results.tsv (the VMs here
# differ in CPU, and the journey's ratio to k6 with it; docs/benchmarks.md, "Machine").
host_facts() {
  record host machine cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  record host machine cpus "$(nproc)"
  record host machine kernel "$(uname -r)"
  record host machine go "$(go env GOVERSION 2>/dev/null || echo unknown)"
}

medians() {
  log "medians ($RUNS runs each)"
  cut -f1-3 "$results" | grep -v '^host' | sort -u | while IFS=$'\t' read -r sw tool metric; do
    awk -F'\t' -v s="$sw" -v t="$tool" -v m="$metric" '$1 == s && $2 == t && $3 == m {print $4}' "$results" | sort -n |
      awk -v k="$sw	$tool	$metric" '{v[NR] = $1} END {x = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s\t%s\n", k, x}'
  done
}

# ratios: sweep j's trafficsim rows against k6_journey three ways. The ratio of the
# medians; the median of the per-round ratios; pooled, each tool's target requests over
# its CPU-seconds in all rounds. The host changes pace within a sweep, and the two
# medians can come from different paces: the two paired statistics do not mix them.
# Then how far the host's noise leaves them: 90% intervals of the two paired statistics
# from RESAMPLE (10000) bootstrap draws of the rounds (seeded: the same files give the
# same intervals), and how many rounds were at 5x or over. Arguments: results files
# (default this sweep's); `bench/run.sh ratios A/results.tsv B/results.tsv` pools sweeps,
# round i of a row paired with round i of k6_journey in file order.
ratios() {
  [ $# -gt 0 ] || set -- "$results"
  awk -F'\t' -v draws="${RESAMPLE:-10000}" '
    $1 != "j" || $2 != "k6_journey" && $2 !~ /^ts_/ { next }
    $3 == "target_requests" { n[$2, ++nr[$2]] = $4; req[$2] += $4 }
    $3 == "cpu_s" { c[$2, ++nc[$2]] = $4; cpu[$2] += $4; if ($2 != "k6_journey") rows[$2] = 1 }
    function median(a, k,    i, j, t) {
      for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    function sift(a, i, n,    c, t) {
      while ((c = 2 * i) <= n) {
        if (c < n && a[c + 1] > a[c]) c++
        if (a[i] >= a[c]) return
        t = a[i]; a[i] = a[c]; a[c] = t; i = c
      }
    }
    function hsort(a, n,    i, t) { # mawk has no asort, and little stack for recursion
      for (i = int(n / 2); i >= 1; i--) sift(a, i, n)
      for (i = n; i > 1; i--) { t = a[1]; a[1] = a[i]; a[i] = t; sift(a, 1, i - 1) }
    }
    END {
      k = nr["k6_journey"]
      if (!k) exit
      for (row in rows) {
        m = (nr[row] < k) ? nr[row] : k
        if (!m) continue
        delete a; delete b; delete r
        over = 0
        for (i = 1; i <= m; i++) {
          a[i] = n[row, i] / c[row, i]; b[i] = n["k6_journey", i] / c["k6_journey", i]; r[i] = a[i] / b[i]
          rr[i] = r[i]; if (r[i] >= 5) over++
        }
        printf "j\t%s/k6_journey\trounds\t%d\n", row, m
        printf "j\t%s/k6_journey\trounds_5x_or_over\t%d\n", row, over
        printf "j\t%s/k6_journey\tratio_of_medians\t%.2f\n", row, median(a, m) / median(b, m)
        printf "j\t%s/k6_journey\tmedian_round_ratio\t%.2f\n", row, median(r, m)
        printf "j\t%s/k6_journey\tpooled_ratio\t%.2f\n", row, (req[row] / cpu[row]) / (req["k6_journey"] / cpu["k6_journey"])
        srand(1)
        delete bm; delete bp
        for (d = 1; d <= draws; d++) {
          tn = tc = kn = kc = 0
          for (i = 1; i <= m; i++) {
            j = int(rand() * m) + 1
            s[i] = rr[j]; tn += n[row, j]; tc += c[row, j]; kn += n["k6_journey", j]; kc += c["k6_journey", j]
          }
          bm[d] = median(s, m); bp[d] = (tn / tc) / (kn / kc)
        }
        hsort(bm, draws); hsort(bp, draws)
        lo = int(draws * 0.05) + 1; hi = int(draws * 0.95)
        printf "j\t%s/k6_journey\tmedian_round_ratio_90pct\t%.2f-%.2f\n", row, bm[lo], bm[hi]
        printf "j\t%s/k6_journey\tpooled_ratio_90pct\t%.2f-%.2f\n", row, bp[lo], bp[hi]
      }
    }' "$@"
}

# sweep_t: one trafficsim configuration per row against benchserver (sweep a's work),
# the tool on CPU 0 and the server on CPU 1.
sweep_t() {
  local tmp=$OUT/t SWEEP=t
  mkdir -p "$tmp"
  taskset -c 1 benchserver --addr 127.0.0.1:9600 2>/dev/null &
  pids+=($!)
  taskset -c 1 benchserver --addr 127.0.0.1:9601 --tls 2>/dev/null &
  pids+=($!)
  taskset -c 1 benchserver --addr 127.0.0.1:9602 --list-bytes 4096 --gzip 2>/dev/null &
  pids+=($!)
  wait_http http://127.0.0.1:9600/
  wait_http http://127.0.0.1:9602/
  for _ in $(seq 1 100); do curl -fsSk -o /dev/null https://127.0.0.1:9601/ 2>/dev/null && break; sleep 0.1; done
  local rows=(
    "fast_h1|http://127.0.0.1:9600|--http-client fast --compression none"
    "std_h1|http://127.0.0.1:9600|--http-client std --http-version 1.1 --compression none"
    "std_h2c|http://127.0.0.1:9600|--http-client std --http-version 2 --compression none"
    "fast_h1_tls|https://127.0.0.1:9601|--http-client fast --http-version 1.1 --compression none --insecure-skip-verify"
    "std_h1_tls|https://127.0.0.1:9601|--http-client std --http-version 1.1 --compression none --insecure-skip-verify"
    "std_h2_tls|https://127.0.0.1:9601|--http-client std --http-version 2 --compression none --insecure-skip-verify"
    "fast_4k_plain|http://127.0.0.1:9602|--http-client fast --compression none"
    "fast_4k_gzip|http://127.0.0.1:9602|--http-client fast --compression gzip"
    "std_4k_plain|http://127.0.0.1:9602|--http-client std --http-version 1.1 --compression none"
    "std_4k_gzip|http://127.0.0.1:9602|--http-client std --http-version 1.1 --compression gzip"
  )
  for run in $(seq 1 "$RUNS"); do
    log "sweep t, run $run/$RUNS (load $(cut -d' ' -f1 /proc/loadavg))"
    for row in "${rows[@]}"; do
      IFS='|' read -r name url flags <<<"$row"
      # shellcheck disable=SC2086 # flags are words
      timed "$tmp/cpu" taskset -c 0 trafficsim run --base-url "$url" --scenario bench/scenarios/get.yaml $flags \
        --users "$CONNS" --duration "$DURATION" --delay-min 0 --delay-max 0 --progress off \
        --min-request-count 10000000 --max-request-count 10000000 \
        --summary "$tmp/$name.json" >/dev/null 2>&1 || true
      record_a "$name" "$(jq -r .requests "$tmp/$name.json")" "$(jq -r .duration_seconds "$tmp/$name.json")" "$tmp/cpu"
    done
  done
}

if [ "${1:-}" = ratios ]; then # sweep j's statistics of results files already made; no build, no traffic
  shift
  ratios "$@"
  exit
fi
command -v jq >/dev/null || { echo "bench/run.sh needs jq (apt-get install jq)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "bench/run.sh needs taskset (util-linux)" >&2; exit 2; }
case ${1:-all} in e|t|s|x|m|p|k) ;; b|c|j) install_peers k6 ;; *) install_peers ;; esac # sweeps e and t measure trafficsim alone
build_ours
host_facts
case ${1:-all} in
  a) sweep_a ;;
  b) sweep_b ;;
  c) sweep_c ;;
  d) sweep_d ;;
  e) sweep_e ;;
  t) sweep_t ;;
  s) sweep_s ;;
  j) sweep_j ;;
  p) sweep_p ;;
  x) sweep_x ;;
  m) sweep_m ;;
  k) sweep_k ;;
  all) sweep_a; sweep_b; sweep_c ;;
  *) echo "usage: bench/run.sh [a|b|c|d|e|t|s|j|p|x|m|k|all]" >&2; exit 2 ;;
esac
medians
if [ "${1:-all}" = j ]; then ratios; fi
