#!/usr/bin/env bash
# Prints the closing lines of a CI run from the test runner's log: the exit status, then the plain
# line "tests: N passed, N failed, N skipped" with mocha's last "N passing", "N failing" and
# "N pending" (0 where mocha printed none, e.g. when it crashed before its summary).
#   .ci/test-summary.sh <mocha log> <exit status>
# The plain line is the one a reader of CI logs counts in any language; mocha's own "N passing" is
# not a closing line such readers know.
set -euo pipefail
log="$1"
status="$2"
count() { grep -Eo "[0-9]+ $1" "$log" | tail -1 | grep -Eo '^[0-9]+' || echo 0; }
echo "exit status ${status}"
echo "tests: $(count passing) passed, $(count failing) failed, $(count pending) skipped"
