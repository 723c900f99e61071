#!/usr/bin/env bash
# Runs each argument as a shell command, all at the same time, and fails when any of them failed
# (after every one has ended). `npm test` builds and type-checks this way: on 2 cores the compilers
# overlap their waiting and single-threaded parts.
pids=()
for command in "$@"; do
  bash -c "$command" &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
exit "$status"
