# Shared by the benchmarks (sourced): the settings every run takes from the environment, and
# wrk's figures as numbers.
url=${PORTICO_BENCH_URL:?}
static_path=${PORTICO_BENCH_STATIC:-/_bench/ready-sized.json}
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}

# wrk's latency to milliseconds: 850.00us, 1.23ms, 1.02s
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "%s", v }'
}

# bench_login JAR: the admin's session into the cookie jar JAR; sets csrf.
bench_login() {
  csrf=$(curl -fsS -c "$1" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"${PORTICO_BENCH_ADMIN_PASSWORD:?}\"}" "$url/api/v1/auth/login" |
    sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
  [ -n "$csrf" ] || { echo "bench: the admin could not log in" >&2; exit 2; }
}

# bench_token JAR NAME SCOPES-JSON: a day's token of the session in JAR (after bench_login), printed.
bench_token() {
  local t
  t=$(curl -fsS -b "$1" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$2\",\"scopes\":$3,\"expires_in_days\":1}" "$url/api/v1/auth/tokens" |
    sed -n 's/.*"token":"\(ptc_[^"]*\)".*/\1/p')
  [ -n "$t" ] || { echo "bench: no token" >&2; exit 2; }
  printf '%s' "$t"
}
