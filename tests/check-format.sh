#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/check-format.sh [--fix] - every C file of the runtime and the tests must be formatted as the checked-in
# .clang-format says (clang-format --dry-run --Werror). --fix formats them in place instead.
# Prints the files that are not formatted (with clang-format's diagnostics) and "N files checked, N not formatted".
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 2
command -v clang-format > /dev/null || { echo "check-format: clang-format is not installed (apt-get install -y clang-format)" >&2; exit 2; }
[ -f .clang-format ] || { echo "check-format: no .clang-format in $repo" >&2; exit 2; }

mapfile -t files < <(find runtime hooks plugins tests/unit tests/helpers tests/testhost -name '*.[ch]' -type f 2> /dev/null | sort)
if [ "${1:-}" = --fix ]; then
        clang-format -i --style=file "${files[@]}"
        echo "formatted ${#files[@]} files"
        exit 0
fi
bad=0
for f in "${files[@]}"; do
        if ! out=$(clang-format --dry-run --Werror --style=file "$f" 2>&1); then
                bad=$((bad + 1))
                echo "not formatted: $f"
                printf '%s\n' "$out" | head -20 | sed 's/^/    /'
        fi
done
echo "${#files[@]} files checked, $bad not formatted"
[ "$bad" -eq 0 ]
