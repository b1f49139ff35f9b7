#!/bin/sh
# Ingest and the latency matrix of docs/benchmarks.md §1-2, REPEATS times (each run < 2 min). Results: bench/results/*.json
# (`alertdesk bench all` runs the set of issue #8 once: ingest, latency, the storm on one and two workers, Alertmanager.)

cd "$(dirname "$0")/.."
ALERTDESK=${ALERTDESK:-.venv/bin/alertdesk}
REPEATS=${REPEATS:-2}
for i in $(seq "$REPEATS"); do
  $ALERTDESK bench ingest --duration 20 --warmup 3
done
for i in $(seq "$REPEATS"); do
  for rate in 200 1000; do
    for wait in 10 1500; do
      $ALERTDESK bench latency --rate $rate --duration 20 --fetch-wait $wait --drain 60
    done
  done
done
