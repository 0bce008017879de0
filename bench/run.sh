#!/usr/bin/env bash
# Reproducible side-by-side sweep of trafficsim and its peers (docs/benchmarks.md).
#
#   bench/run.sh [a|b|c|all]     default: all
#
# a  single-endpoint GET against bench/cmd/benchserver: trafficsim, k6, vegeta, hey,
#    wrk and a bare Go loop; each tool pinned to CPU 0, the server to CPU 1.
# b  the mixed journey with zero think time against the reference target:
#    trafficsim vs bench/k6/mixed.js.
# c  RSS with many thinking VUs: trafficsim and k6.
#
# Environment: RUNS (3), DURATION (10s), CONNS (50), VUS_LIST ("1000 10000 50000 100000"),
# K6_MAX_VUS (largest k6 VU count tried in c, 50000), OUT (bench/out).
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
OUT=${OUT:-$root/bench/out}
TOOLS=$root/bench/.tools
mkdir -p "$OUT" "$TOOLS/bin"
export PATH=$TOOLS/bin:$PATH
results=$OUT/results.tsv
: >"$results"

log() { printf '== %s\n' "$*" >&2; }

install_peers() {
  if ! command -v wrk >/dev/null || ! command -v hey >/dev/null; then
    log "installing wrk and hey from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk hey >/dev/null
  fi
  if [ ! -x "$TOOLS/bin/k6" ]; then
    log "installing k6 (go install go.k6.io/k6@latest)"
    GOBIN=$TOOLS/bin go install go.k6.io/k6@latest
  fi
  if [ ! -x "$TOOLS/bin/vegeta" ]; then
    log "installing vegeta v12.12.0 through a wrapper module"
    local w=$TOOLS/vegeta-wrapper
    mkdir -p "$w"
    (cd "$w" && { [ -f go.mod ] || go mod init vegeta-wrapper >/dev/null 2>&1; } &&
      go get github.com/tsenart/vegeta/v12@v12.12.0 >/dev/null 2>&1 &&
      GOBIN=$TOOLS/bin go install github.com/tsenart/vegeta/v12)
  fi
}

build_ours() {
  log "building trafficsim, benchserver, bareloop"
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/trafficsim" ./engine/cmd/trafficsim
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/benchserver" ./bench/cmd/benchserver
  CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/bareloop" ./bench/cmd/bareloop
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

sweep_a() {
  local url=http://127.0.0.1:9600/ tmp=$OUT/a
  mkdir -p "$tmp"
  taskset -c 1 benchserver --addr 127.0.0.1:9600 2>/dev/null &
  pids+=($!)
  wait_http "$url"
  local d; d=$(secs "$DURATION")
  for run in $(seq 1 "$RUNS"); do
    log "sweep a, run $run/$RUNS"
    taskset -c 0 trafficsim run --base-url http://127.0.0.1:9600 --scenario bench/scenarios/get.yaml \
      --users "$CONNS" --duration "$DURATION" --delay-min 0 --delay-max 0 \
      --min-request-count 1000000000 --max-request-count 1000000000 --cleanup=false \
      --summary "$tmp/trafficsim.json" >/dev/null 2>&1 || true
    record a trafficsim rps "$(jq -r '.requests / .duration_seconds | floor' "$tmp/trafficsim.json")"
    K6_NO_USAGE_REPORT=true taskset -c 0 k6 run -q --no-color --summary-export "$tmp/k6.json" \
      -e URL="$url" -e VUS="$CONNS" -e DURATION="$DURATION" bench/k6/get.js >/dev/null 2>&1
    record a k6 rps "$(jq -r '.metrics.http_reqs.rate | floor' "$tmp/k6.json")"
    echo "GET $url" | taskset -c 0 vegeta attack -rate=0 -max-workers="$CONNS" -workers="$CONNS" \
      -duration="$DURATION" -keepalive=true >"$tmp/vegeta.bin"
    record a vegeta rps "$(vegeta report -type=json "$tmp/vegeta.bin" | jq -r '.throughput | floor')"
    record a hey rps "$(taskset -c 0 hey -z "$DURATION" -c "$CONNS" "$url" | awk '/Requests\/sec/ {printf "%d", $2}')"
    record a wrk rps "$(taskset -c 0 wrk -t1 -c"$CONNS" -d"$DURATION" "$url" | awk '/Requests\/sec/ {printf "%d", $2}')"
    record a bareloop rps "$(taskset -c 0 bareloop -url "$url" -c "$CONNS" -d "$DURATION" | sed -E 's/.*rps=([0-9]+).*/\1/')"
  done
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  : "$d"
}

sweep_b() {
  local tmp=$OUT/b
  mkdir -p "$tmp"
  taskset -c 1 trafficsim target --addr 127.0.0.1:9501 --bcrypt-cost 4 --admin-password bench-admin-pw >/dev/null 2>&1 &
  pids+=($!)
  wait_http http://127.0.0.1:9501/healthz
  for run in $(seq 1 "$RUNS"); do
    log "sweep b, run $run/$RUNS"
    taskset -c 0 trafficsim run --base-url http://127.0.0.1:9501 --scenario mixed \
      --admin-password bench-admin-pw --users "$CONNS" --duration "$DURATION" --delay-min 0 --delay-max 0 \
      --min-request-count 1000000000 --max-request-count 1000000000 \
      --summary "$tmp/trafficsim.json" >/dev/null 2>&1 || true
    record b trafficsim rps "$(jq -r '.requests / .duration_seconds | floor' "$tmp/trafficsim.json")"
    K6_NO_USAGE_REPORT=true taskset -c 0 k6 run -q --no-color --summary-export "$tmp/k6.json" \
      -e BASE=http://127.0.0.1:9501 -e ADMIN_PASSWORD=bench-admin-pw -e VUS="$CONNS" -e DURATION="$DURATION" \
      bench/k6/mixed.js >/dev/null 2>&1 || true
    record b k6 rps "$(jq -r '.metrics.http_reqs.rate | floor' "$tmp/k6.json")"
  done
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
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

sweep_c() {
  taskset -c 1 benchserver --addr 127.0.0.1:9600 2>/dev/null &
  pids+=($!)
  wait_http http://127.0.0.1:9600/
  for n in $VUS_LIST; do
    log "sweep c, $n thinking VUs"
    local t0 t1
    t0=$(date +%s.%N)
    trafficsim run --base-url http://127.0.0.1:9600 --scenario bench/scenarios/sleepers.yaml \
      --users "$n" --duration 10m --min-request-count 2 --max-request-count 2 --cleanup=false \
      --delay-min 10m --delay-max 10m >"$OUT/c-trafficsim-$n.log" 2>&1 &
    local p=$!
    settle "$p"
    t1=$(date +%s.%N)
    record c trafficsim "rss_kib_$n" "$(rss_of "$p")"
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    : "$t0" "$t1"
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

medians() {
  log "medians ($RUNS runs each)"
  sort -t$'\t' -k1,1 -k2,2 -k3,3 "$results" | awk -F'\t' '
    function flush() { if (n) { asort(v); m = (n % 2) ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2; printf "%s\t%s\t%s\t%d\n", k1, k2, k3, m } n = 0; delete v }
    { key = $1 FS $2 FS $3; if (key != last) { flush(); last = key; k1 = $1; k2 = $2; k3 = $3 } v[++n] = $4 }
    END { flush() }'
}

command -v jq >/dev/null || { echo "bench/run.sh needs jq (apt-get install jq)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "bench/run.sh needs taskset (util-linux)" >&2; exit 2; }
install_peers
build_ours
case ${1:-all} in
  a) sweep_a ;;
  b) sweep_b ;;
  c) sweep_c ;;
  all) sweep_a; sweep_b; sweep_c ;;
  *) echo "usage: bench/run.sh [a|b|c|all]" >&2; exit 2 ;;
esac
medians
