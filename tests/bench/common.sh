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
