#!/usr/bin/env bash
# timed.sh NAME COMMAND...: run COMMAND, then say how long it took ("Time: NAME: N s"), so
# `make test` shows its parts' durations and .ci/run can list them; the exit status is COMMAND's.
name=$1
shift
began=$SECONDS
rc=0
"$@" || rc=$?
echo "Time: $name: $((SECONDS - began)) s$([ "$rc" -eq 0 ] || echo " (failed: $rc)")"
exit "$rc"
