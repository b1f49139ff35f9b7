#!/bin/sh
# Every benchmark in docs/benchmarks.md, one at a time (each run < 2 min). Results: bench/results/*.json

cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
REPEATS=${REPEATS:-2}
for i in $(seq "$REPEATS"); do
  $PY bench/ingest.py --duration 20 --warmup 3
done
for i in $(seq "$REPEATS"); do
  for rate in 200 1000; do
    for wait in 10 1500; do
      $PY bench/latency.py --rate $rate --duration 20 --fetch-wait $wait --drain 60
    done
  done
done
