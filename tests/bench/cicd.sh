#!/usr/bin/env bash
# Portico CI/CD benchmark (issue 16), on the stack `./dev.sh bench cicd` started, beside the
# static file's figure from the same run:
#   signed deliveries (GitHub's scheme, each with a new delivery id, so each is checked against
#   the ones seen and applied: a run upserted, the integration counted, the audit record)
#                                                            >= 1,000 requests/s
#   (and, measured beside it, deployment deliveries of one entity, which queue on its recount lock)
#   DORA metrics of a team with 100,000 deployments (100 entities, 90 days; their commits and
#   100,000 pipeline runs), GET /api/v1/cicd/dora?team=&days=90, 2 connections
#                                                            p95 <= 100 ms
# Environment: as common.sh; PORTICO_BENCH_ADMIN_PASSWORD, PORTICO_CONFIG (the database's socket),
# BENCH_DEPLOYMENTS (100000).
set -euo pipefail

. "$(dirname "$0")/common.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jar=$work/jar
api() {  # api METHOD PATH [BODY]
  curl -fsS -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -X "$1" ${3:+-d "$3"} "$url$2"
}
bench_login "$jar"
team=bench-ci-$$
api POST /api/v1/iam/teams "{\"name\":\"$team\"}" >/dev/null
api PUT "/api/v1/catalog/entities/component/default/$team-web" \
  "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":\"$team-web\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"group:$team\"}}" >/dev/null
created=$(api POST /api/v1/cicd/integrations "{\"entity\":\"component:default/$team-web\",\"provider\":\"github\",\"name\":\"actions\"}")
id=$(sed -n 's/^{"id":\([0-9]*\).*/\1/p' <<<"$created")
secret=$(sed -n 's/.*"secret":"\([0-9a-f]*\)".*/\1/p' <<<"$created")
[ -n "$id" ] && [ -n "$secret" ] || { echo "bench: no integration: $created" >&2; exit 2; }

# 500 runs, each body signed once here (GitHub signs the body; the delivery id is a header, new
# for every request): the deliveries spread over 500 rows, as a busy organisation's do
# sign_bodies FILE MAKE: a Lua table of 500 bodies (MAKE i prints the i-th), each with GitHub's
# signature of it
sign_bodies() {
  local i b s
  echo "local bodies = {" > "$1"
  for i in $(seq 1 500); do
    b=$("$2" "$i")
    s=$(printf '%s' "$b" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')
    printf '{ [[%s]], "sha256=%s" },\n' "$b" "$s" >> "$1"
  done
  echo "}" >> "$1"
}
run_body() {
  printf '%s' "{\"action\":\"completed\",\"workflow_run\":{\"id\":$((424000 + $1)),\"run_attempt\":1,\"name\":\"Build\",\"head_branch\":\"main\",\"head_sha\":\"acb5820ced9479c074f688cc328bf03f341a511d\",\"status\":\"completed\",\"conclusion\":\"success\",\"run_started_at\":\"2026-12-03T10:00:00Z\",\"updated_at\":\"2026-12-03T10:04:00Z\",\"html_url\":\"https://github.com/o/r/actions/runs/$1\"}}"
}
deployment_body() {
  printf '%s' "{\"deployment_status\":{\"state\":\"success\",\"created_at\":\"2026-12-03T10:05:00Z\",\"target_url\":\"https://ci.example/d/$1\"},\"deployment\":{\"id\":$((900000 + $1)),\"sha\":\"acb5820ced9479c074f688cc328bf03f341a511d\",\"ref\":\"v$1\",\"environment\":\"production\",\"created_at\":\"2026-12-03T10:00:00Z\",\"creator\":{\"login\":\"bench\"}}}"
}
bodies=$work/bodies.lua
sign_bodies "$bodies" run_body
body=$(sed -n '2s/^{ \[\[\(.*\)\]\], "sha256=\([0-9a-f]*\)" },$/\1/p' "$bodies")
sig=$(sed -n '2s/^{ \[\[\(.*\)\]\], "sha256=\([0-9a-f]*\)" },$/\2/p' "$bodies")
{ cat "$bodies"; cat <<LUA; } > "$work/deliver.lua"
local counter, nthreads, prefix = 0, 0, ""
setup = function(thread) nthreads = nthreads + 1; thread:set("tid", nthreads) end
-- a prefix of its own for each thread of each run: no delivery id repeats one seen before
init = function(args) math.randomseed(os.time() * 100 + (tid or 0)); prefix = string.format("bench-%d-%d-%d", $$, tid or 0, math.random(1, 1000000000)) end
request = function()
  counter = counter + 1
  local b = bodies[(counter % #bodies) + 1]
  return wrk.format("POST", "/api/v1/cicd/hooks/$id", {
    ["Content-Type"] = "application/json", ["X-GitHub-Event"] = "workflow_run", ["X-Hub-Signature-256"] = b[2],
    ["X-GitHub-Delivery"] = prefix .. "-" .. counter }, b[1])
end
done = function(summary, latency, requests)
  io.write(string.format("P95 %.3f\nP99 %.3f\n", latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
LUA

# the same, for deployments (GitHub deployment_status over 500 deployments of the one entity):
# each takes the entity's recount lock (cicd_rollup.c), so they queue on it — the worst case of
# one busy service
dbodies=$work/dbodies.lua
sign_bodies "$dbodies" deployment_body
{ cat "$dbodies"; sed -n '/^local counter/,$p' "$work/deliver.lua" | sed 's/"workflow_run"/"deployment_status"/; s/bench-%d-%d-%d/bench-d-%d-%d-%d/'; } > "$work/deploy.lua"

run() {  # run PATH-OR-SCRIPT -> RPS P50 P95 P99
  local out args=(-t"$threads" -c"$conns" -d"${secs}s" --latency)
  if [ -f "$1" ]; then args+=(-s "$1" "$url/"); else args+=("$url$1"); fi
  out=$(wrk "${args[@]}")
  grep -q "Non-2xx" <<<"$out" && echo "warning: non-2xx answers ($1): $(grep Non-2xx <<<"$out")" >&2
  RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  P50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  P99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  P95=$(awk '$1 == "P95" {print $2}' <<<"$out"); [ -n "$P95" ] || P95=-
}

echo "warm-up..."
secs_saved=$secs; secs=3
run "$static_path"; run "$work/deliver.lua"
secs=$secs_saved
deliveries() { api GET "/api/v1/cicd/integrations/$id" | sed -n 's/.*"deliveries":\([0-9]*\).*/\1/p'; }
run "$static_path";         S_RPS=$RPS S_P50=$P50 S_P99=$P99
before=$(deliveries)
run "$work/deliver.lua";    D_RPS=$RPS D_P50=$P50 D_P95=$P95 D_P99=$P99
applied=$(( $(deliveries) - before ))
run "$work/deploy.lua";     E_RPS=$RPS E_P50=$P50 E_P95=$P95 E_P99=$P99
# a replay of one delivery id: answered "duplicate", nothing written
deliver() { curl -sS -H 'Content-Type: application/json' -H 'X-GitHub-Event: workflow_run' -H "X-Hub-Signature-256: sha256=$sig" \
  -H "X-GitHub-Delivery: bench-replay-$$" -d "$body" "$url/api/v1/cicd/hooks/$id"; }
deliver >/dev/null
dup=$(deliver)

# DORA over a constructed history: 100 entities of one team, their integrations, and
# BENCH_DEPLOYMENTS deployments over 90 days (one in 10 to staging, one in 7 failed), each with
# its commit, and as many pipeline runs, written straight into the database (MariaDB's sequence
# engine makes the rows), then counted by day as deliveries would have (cicd_dora_rebuild, sql/0029)
n=${BENCH_DEPLOYMENTS:-100000}
sock=$(sed -n 's/^db_socket = //p' "${PORTICO_CONFIG:?}")
sql() { mariadb -S "$sock" -u root portico -e "$1"; }
dteam=bench-dora-$$
api POST /api/v1/iam/teams "{\"name\":\"$dteam\"}" >/dev/null
t0=$(date +%s.%N)
sql "INSERT INTO cicd_integrations (entity_ref, team, provider, name, secret_path, created_by, created_at)
     SELECT CONCAT('component:default/$dteam-', seq), '$dteam', 'generic', 'history', '', 'bench', UTC_TIMESTAMP(6)
     FROM seq_1_to_100;
     SET @first = (SELECT MIN(id) FROM cicd_integrations WHERE team = '$dteam');
     INSERT INTO cicd_deployments (integration_id, entity_ref, deploy_key, environment, version, commit_sha, status,
       status_rank, actor, started_at, finished_at, url, updated_at)
     SELECT @first + seq % 100, CONCAT('component:default/$dteam-', 1 + seq % 100), CONCAT('d', seq),
       IF(seq % 10 = 0, 'staging', 'production'), CONCAT('v', seq), SHA1(seq), IF(seq % 7 = 0, 'failure', 'success'),
       3, 'bench', UTC_TIMESTAMP(6) - INTERVAL (seq * 77 % 7776000) SECOND - INTERVAL 5 MINUTE,
       UTC_TIMESTAMP(6) - INTERVAL (seq * 77 % 7776000) SECOND, '', UTC_TIMESTAMP(6) FROM seq_1_to_$n;
     INSERT INTO cicd_commits (entity_ref, sha, committed_at)
     SELECT CONCAT('component:default/$dteam-', 1 + seq % 100), SHA1(seq),
       UTC_TIMESTAMP(6) - INTERVAL (seq * 77 % 7776000) SECOND - INTERVAL (seq * 13 % 86400) SECOND FROM seq_1_to_$n;
     INSERT INTO cicd_runs (integration_id, entity_ref, run_key, name, branch, commit_sha, status, status_rank,
       started_at, finished_at, url, updated_at)
     SELECT @first + seq % 100, CONCAT('component:default/$dteam-', 1 + seq % 100), CONCAT('r', seq), 'build', 'main',
       SHA1(seq), IF(seq % 9 = 0, 'failure', 'success'), 3, UTC_TIMESTAMP(6) - INTERVAL (seq * 61 % 7776000) SECOND
       - INTERVAL (seq % 900) SECOND, UTC_TIMESTAMP(6) - INTERVAL (seq * 61 % 7776000) SECOND, '', UTC_TIMESTAMP(6)
     FROM seq_1_to_$n;
     ANALYZE TABLE cicd_deployments, cicd_commits, cicd_runs;
     CALL cicd_dora_rebuild();
     ANALYZE TABLE cicd_dora_days;" >/dev/null
seed_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
dora=$(api GET "/api/v1/cicd/dora?team=$dteam&days=90")
# one caller asking, 10 times in a row (a dashboard's load); p95 of 10 is the slowest but one
for i in $(seq 1 10); do
  curl -sS -o /dev/null -w '%{time_total} %{http_code}\n' -b "$jar" "$url/api/v1/cicd/dora?team=$dteam&days=90"
done > "$work/dora.times"
T_CODES=$(awk '{print $2}' "$work/dora.times" | sort -u | tr '\n' ' ')
read -r T_P50 T_P95 T_MAX < <(awk '{print $1 * 1000}' "$work/dora.times" | sort -n |
  awk '{v[NR] = $1} END {printf "%.1f %.1f %.1f\n", v[5], v[9], v[10]}')

ratio=$(awk -v a="$D_RPS" -v b="$S_RPS" 'BEGIN {printf "%.1f", 100 * a / b}')
printf '\n%-44s %11s %8s %8s %8s\n' "wrk -c$conns -t$threads ${secs}s" "requests/s" "p50 ms" "p95 ms" "p99 ms"
printf '%-44s %11s %8s %8s %8s\n' "static file" "$S_RPS" "$S_P50" "-" "$S_P99"
printf '%-44s %11s %8s %8s %8s\n' "signed GitHub delivery (new id each)" "$D_RPS" "$D_P50" "$D_P95" "$D_P99"
printf '%-44s %11s %8s %8s %8s\n' "  the same, deployments of one entity" "$E_RPS" "$E_P50" "$E_P95" "$E_P99"
printf 'DORA, a team of %s deployments, 90 days, 10 in a row: p50 %s ms, p95 %s ms, slowest %s ms (HTTP %s)\n' \
  "$n" "$T_P50" "$T_P95" "$T_MAX" "$T_CODES"
printf 'delivery / static: %s%%; deliveries applied (new ids) in the run: %s; a replayed id: %s\n' "$ratio" "$applied" "$dup"
printf 'the history (%s deployments, commits and runs) written in %s s; its figures: %s\n' "$n" "$seed_s" "$dora"

fail=0
verdict() { if [ "$1" = 1 ]; then echo "  ok    $2"; else echo "  MISS  $2"; fail=1; fi; }
echo
echo "targets:"
verdict "$(awk -v r="$D_RPS" -v n="$applied" -v s="$secs" 'BEGIN {print (r >= 1000 && n >= 0.99 * r * s) ? 1 : 0}')" \
  "signed deliveries >= 1,000/s, each applied ($D_RPS/s; $applied applied)"
verdict "$(grep -q '"outcome":"duplicate"' <<<"$dup" && echo 1 || echo 0)" "a replayed delivery id changes nothing"
verdict "$(awk -v p="$T_P95" -v c="$T_CODES" 'BEGIN {print (p > 0 && p <= 100 && c == "200 ") ? 1 : 0}')" \
  "DORA for a team with $n deployments p95 <= 100 ms ($T_P95 ms)"
exit $fail
