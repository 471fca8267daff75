#!/usr/bin/env bash
# One echo server, several load-generator runs against it: does a server that
# has served clients stay as fast as a fresh one? (bench/results/levers/uring.md,
# "the Engine's token Map"). Server and load generator share CPU 1; each run
# prints server CPU µs per message, p99 µs, and the major GCs it saw.
#
#   bash bench/echo/same-server.sh RUNS [server-netpoll.mjs args …]
#   bash bench/echo/same-server.sh 3 --drive uv --io uring
#
# Needs `npm run build` and the load generator (bench/.build/loadgen, built by
# `node bench/echo/bench.mjs` or: cc -O2 -o bench/.build/loadgen bench/echo/loadgen.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:?RUNS}; shift
sock=$(mktemp -u /tmp/netpoll-same-server-XXXXXX.sock)
log=$(mktemp /tmp/netpoll-same-server-XXXXXX.log)
taskset -c 1 node --trace-gc bench/echo/server-netpoll.mjs --path "$sock" "$@" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log" "$sock"' EXIT
for _ in $(seq 100); do grep -q ready "$log" && break; sleep 0.05; done
for run in $(seq "$runs"); do
  before=$(grep -c Mark-Compact "$log" || true)
  out=$(taskset -c 1 bench/.build/loadgen "$sock" 100 64 300 1500 stream "$server")
  after=$(grep -c Mark-Compact "$log" || true)
  cpu=$(sed 's/.*"server_cpu_us":\([0-9.]*\).*/\1/' <<<"$out")
  p99=$(sed 's/.*"p99_us":\([0-9.]*\).*/\1/' <<<"$out")
  echo "run $run: server CPU $cpu µs/msg, p99 $p99 µs, major GCs $((after - before))"
done
