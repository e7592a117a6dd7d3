#!/usr/bin/env bash
# Portico job runner benchmark (issue 6), on the stack `./dev.sh bench jobs` started, beside the
# static file's figure from the same run:
#   no-op job throughput with 4 runners (--loop)            >= 500 jobs/s
#   approved request -> its job started, runners in --loop   <= 1 s
# The jobs are made in bulk (SQL, from one request made through the API, so that they are
# like its job: one noop step each) and released at once; the runners drain them.
# Environment: PORTICO_BENCH_URL, PORTICO_CONFIG, PORTICO_BENCH_RUNNER, PORTICO_BENCH_ADMIN_PASSWORD,
# BENCH_JOBS (5000), BENCH_RUNNERS (4), BENCH_LATENCY_SAMPLES (30).
set -euo pipefail

. "$(dirname "$0")/common.sh"
runner=${PORTICO_BENCH_RUNNER:?}
jobs=${BENCH_JOBS:-5000}
nrunners=${BENCH_RUNNERS:-4}
samples=${BENCH_LATENCY_SAMPLES:-30}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
sock=$(sed -n 's/^db_socket *= *//p' "${PORTICO_CONFIG:?}")
sql() { mariadb --no-defaults -S "$sock" -u root portico -N -B -e "$1"; }

jar=$work/jar
bench_login "$jar"
api() {  # api METHOD PATH [BODY [CONTENT-TYPE]]
  curl -sS -b "$jar" -H "X-CSRF-Token: $csrf" -H "Content-Type: ${4:-application/json}" -X "$1" ${3:+--data-binary "$3"} "$url$2"
}
stamp=$(date +%s)
team=bench$stamp
tmpl=noop$stamp
api POST /api/v1/iam/teams "{\"name\":\"$team\"}" >/dev/null
api POST /api/v1/templates "<template xmlns=\"urn:portico:template:1\" name=\"$tmpl\" version=\"1.0.0\">
  <title>No-op</title><owner team=\"$team\"/>
  <steps><step name=\"hello\" driver=\"noop\"><arg name=\"message\">hello</arg></step></steps>
  <deprovision><step name=\"bye\" driver=\"noop\"/></deprovision></template>" application/xml >/dev/null
api POST "/api/v1/templates/$tmpl/versions/1.0.0/publish" >/dev/null
request() { api POST /api/v1/provision/requests "{\"template\":\"$tmpl\",\"environment\":\"dev\",\"team\":\"$team\"}"; }

# the static file, for the ratio everyone quotes
out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" "$url$static_path")
S_RPS=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")

echo "making $jobs jobs..."
first=$(request)
vid=$(sql "SELECT template_version_id FROM resources WHERE id = $(sed -n 's/.*"resource_id":\([0-9]*\).*/\1/p' <<<"$first")")
sql "INSERT INTO resources (uid, template_version_id, environment, team, requester, parameters, state, expires_at)
  SELECT CONCAT(LPAD(HEX($stamp % 65536), 4, '0'), LPAD(HEX(seq), 12, '0')), $vid, 'dev', '$team', 'admin', '{}',
         'provisioning', UTC_TIMESTAMP(6) + INTERVAL 1 DAY FROM seq_1_to_$jobs;
INSERT INTO jobs (resource_id, kind, max_attempts, due_at)
  SELECT id, 'provision', 5, '2099-01-01' FROM resources WHERE team = '$team' AND request_id IS NULL;
INSERT INTO job_steps (job_id, idx, name, driver)
  SELECT j.id, 0, 'hello', 'noop' FROM jobs j JOIN resources r ON r.id = j.resource_id WHERE r.team = '$team' AND r.request_id IS NULL;"

for i in $(seq 1 "$nrunners"); do
  PORTICO_CONFIG=$PORTICO_CONFIG "$runner" --loop 2>>"$work/runner.log" & pids+=($!)
done
sleep 1
left() { sql "SELECT COUNT(*) FROM jobs j JOIN resources r ON r.id = j.resource_id WHERE r.team = '$team' AND j.state IN ('queued', 'running')"; }
t0=$(date +%s.%N)
sql "UPDATE jobs j JOIN resources r ON r.id = j.resource_id SET j.due_at = UTC_TIMESTAMP(6) WHERE r.team = '$team' AND j.state = 'queued'"
while [ "$(left)" -gt 0 ]; do sleep 0.05; done
t1=$(date +%s.%N)
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
rate=$(awk -v n="$jobs" -v s="$elapsed" 'BEGIN {printf "%.0f", (n + 1) / s}')
ok=$(sql "SELECT COUNT(*) FROM jobs j JOIN resources r ON r.id = j.resource_id WHERE r.team = '$team' AND j.state = 'succeeded'")

echo "latency: $samples requests, one at a time, runners idle..."
sleep 2
for i in $(seq 1 "$samples"); do request >/dev/null; sleep 0.3; done
while [ "$(left)" -gt 0 ]; do sleep 0.05; done
lat=$(sql "SELECT TIMESTAMPDIFF(MICROSECOND, r.created_at, j.started_at) / 1000 FROM jobs j JOIN resources r ON r.id = j.resource_id
           WHERE r.team = '$team' AND r.request_id IS NOT NULL ORDER BY j.id DESC LIMIT $samples" | sort -n)
p50=$(awk '{a[NR]=$1} END {printf "%.0f", a[int((NR + 1) / 2)]}' <<<"$lat")
p95=$(awk '{a[NR]=$1} END {i=int(NR * 0.95 + 0.5); if (i < 1) i = 1; printf "%.0f", a[i]}' <<<"$lat")
max=$(tail -n 1 <<<"$lat" | awk '{printf "%.0f", $1}')

printf '\n%-52s %s\n' "static file (wrk -c$conns -t$threads ${secs}s)" "$S_RPS requests/s"
printf '%-52s %s\n' "no-op jobs, $nrunners runners, $((jobs + 1)) jobs ($ok succeeded)" "$rate jobs/s ($elapsed s)"
printf '%-52s %s\n' "approved request -> job started (--loop)" "p50 $p50 ms, p95 $p95 ms, max $max ms"
fail=0
verdict() { if [ "$1" = 1 ]; then echo "PASS $2"; else echo "MISS $2"; fail=1; fi; }
verdict "$(awk -v r="$rate" 'BEGIN {print (r >= 500) ? 1 : 0}')" "no-op job throughput >= 500 jobs/s ($rate)"
verdict "$(awk -v m="$max" 'BEGIN {print (m <= 1000) ? 1 : 0}')" "request to job start <= 1 s (max $max ms)"
[ "$ok" -eq $((jobs + 1)) ] || { echo "not every job succeeded: $ok"; fail=1; }
exit $fail
