#!/usr/bin/env bash
# Metrics (issue 17): what counting costs the hot path, and a scrape of 10 areas x 8 processes.
#
# Targets: with metrics on, /api/v1/system/ready and an authenticated GET lose <= 3% of their
# requests/s (an A/B in one run: the pools restarted with metrics off and on, in turns, six
# rounds; each round's on/off ratio, the two halves minutes apart at most, and the median of the
# six: this machine drifts by a third over a run, which medians of each mode alone would measure); GET /api/v1/system/metrics over 10 areas x 8 processes (the 9
# handler areas' pools of 8, and 8 runners) answers in <= 50 ms (p99 of back-to-back scrapes).
# Environment: as common.sh; PORTICO_BENCH_POOLS (a command: `on` or `off` restarts the handler
# pools with metrics on or off), PORTICO_BENCH_RUNNER, PORTICO_CONFIG, PORTICO_BENCH_ADMIN_PASSWORD.
set -euo pipefail

. "$(dirname "$0")/common.sh"
pools=${PORTICO_BENCH_POOLS:?}
runner=${PORTICO_BENCH_RUNNER:?}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

jar=$work/jar
bench_login "$jar"
token=$(bench_token "$jar" bench-metrics '["system.metrics.read","iam.role.read"]')

# run_wrk PATH [wrk args...] -> RPS P50 P99 REQS
run_wrk() {
  local path=$1 out; shift
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$@" "$url$path")
  grep -q "Non-2xx" <<<"$out" && echo "warning: non-2xx answers from $path" >&2
  RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  P50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  P99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  REQS=$(awk '/requests in/ {print $1}' <<<"$out")
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# CPU time (clock ticks, user + system) of an area's handler processes so far: what counting
# costs shows here without the noise that throughput has from the rest of the machine
run_dir=${PORTICO_BENCH_RUN:?}
cpu_ticks() {
  local parent p t=0
  parent=$(cat "$run_dir/fcgi-$1.pid")
  for p in $(pgrep -P "$parent"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)
pct() { awk -v off="$1" -v on="$2" 'BEGIN {printf "%.1f", 100 * (off - on) / off}'; }   # share of off lost

run_wrk /_bench/ready-sized.json
S_RPS=$RPS
printf 'static file: %s requests/s\n\n' "$S_RPS"

# ---- the hot path, metrics off and on in turns -------------------------------------------------
auth=(-H "Authorization: Bearer $token")
off_r=() on_r=() off_a=() on_a=() off_c=() on_c=()
# the order turns each round (off-on, on-off, ...): what the machine does in the first or second
# half of a round falls on both modes alike
for round in 1 2 3 4 5 6; do
  order="off on"; [ $((round % 2)) = 0 ] && order="on off"
  for mode in $order; do
    $pools "$mode" >/dev/null
    secs_saved=$secs; secs=2; run_wrk /api/v1/system/ready; run_wrk /api/v1/iam/roles "${auth[@]}"; secs=$secs_saved
    c0=$(cpu_ticks system)
    run_wrk /api/v1/system/ready; r=$RPS
    c1=$(cpu_ticks system)
    # microseconds of the system handlers' CPU per request
    us=$(awk -v t="$((c1 - c0))" -v hz="$hz" -v n="$REQS" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
    run_wrk /api/v1/auth/session "${auth[@]}"; a=$RPS
    if [ "$mode" = off ]; then off_r+=("$r"); off_a+=("$a"); off_c+=("$us"); else on_r+=("$r"); on_a+=("$a"); on_c+=("$us"); fi
    printf '  round %d, metrics %-3s: ready %8s (handler CPU %s us a request), /auth/session (bearer) %8s requests/s\n' \
      "$round" "$mode" "$r" "$us" "$a"
  done
done
MR_OFF=$(median "${off_r[@]}") MR_ON=$(median "${on_r[@]}") MA_OFF=$(median "${off_a[@]}") MA_ON=$(median "${on_a[@]}")
# the loss: the median of the rounds' own losses (each round's two halves side by side)
losses_r=() losses_a=()
for i in 0 1 2 3 4 5; do
  losses_r+=("$(pct "${off_r[$i]}" "${on_r[$i]}")"); losses_a+=("$(pct "${off_a[$i]}" "${on_a[$i]}")")
done
LOSS_R=$(median "${losses_r[@]}") LOSS_A=$(median "${losses_a[@]}")
CPU_OFF=$(median "${off_c[@]}") CPU_ON=$(median "${on_c[@]}")
printf '\nready: off %s, on %s requests/s (medians); lost per round %s%%: median %s%%\n' "$MR_OFF" "$MR_ON" \
  "$(IFS=,; echo "${losses_r[*]}")" "$LOSS_R"
printf '/auth/session: off %s, on %s requests/s (medians); lost per round %s%%: median %s%%\n' "$MA_OFF" "$MA_ON" \
  "$(IFS=,; echo "${losses_a[*]}")" "$LOSS_A"
printf 'ready, the system handlers'"'"' CPU a request (medians): off %s us, on %s us\n' "$CPU_OFF" "$CPU_ON"

# ---- a scrape of 10 areas x 8 processes --------------------------------------------------------
$pools on >/dev/null
for i in 1 2 3 4 5 6 7 8; do
  "$runner" --config "${PORTICO_CONFIG:?}" --loop >/dev/null 2>&1 &
  pids+=($!)
done
scrape() { curl -fsS -H "Authorization: Bearer $token" "$url/api/v1/system/metrics"; }
for i in $(seq 1 100); do
  full=$(scrape | awk '/^portico_processes\{/ && $2 >= 8 {n++} END {print n + 0}')
  [ "$full" -ge 10 ] && break
  sleep 0.2
done
scrape > "$work/scrape.txt"
areas=$(awk '/^portico_processes\{/ && $2 >= 8 {n++} END {print n + 0}' "$work/scrape.txt")
files=$(find "$(sed -n 's/^metrics_dir *= *//p' "$PORTICO_CONFIG")" -name '*.m' | wc -l)
lines=$(grep -vc '^#' "$work/scrape.txt")
bytes=$(wc -c < "$work/scrape.txt")
printf '\nscrape: %s areas with 8 processes alive, %s files, %s samples, %s bytes\n' "$areas" "$files" "$lines" "$bytes"
conns_saved=$conns threads_saved=$threads; conns=1; threads=1
run_wrk /api/v1/system/metrics "${auth[@]}"
conns=$conns_saved threads=$threads_saved
SC_RPS=$RPS SC_P50=$P50 SC_P99=$P99
printf 'GET /api/v1/system/metrics back to back: %s scrapes/s, p50 %s ms, p99 %s ms\n' "$SC_RPS" "$SC_P50" "$SC_P99"

fail=0
verdict() { if [ "$1" = 1 ]; then echo "  ok    $2"; else echo "  MISS  $2"; fail=1; fi; }
echo
echo "targets:"
verdict "$(( areas >= 10 ? 1 : 0 ))" "the scrape covers 10 areas x 8 processes ($areas areas at 8, $files files)"
verdict "$(awk -v p="$SC_P99" 'BEGIN {print (p <= 50) ? 1 : 0}')" "a scrape in <= 50 ms (p99 $SC_P99 ms)"
verdict "$(awk -v l="$LOSS_R" 'BEGIN {print (l <= 3) ? 1 : 0}')" "ready loses <= 3% with metrics on ($LOSS_R%)"
verdict "$(awk -v l="$LOSS_A" 'BEGIN {print (l <= 3) ? 1 : 0}')" "an authenticated GET loses <= 3% with metrics on ($LOSS_A%)"
exit $fail
