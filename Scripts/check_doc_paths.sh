#!/usr/bin/env bash
# Checks that every path the documentation names exists, so a page cannot point at a file that
# was moved or deleted. Reads README.md and Docs/*.md:
#   - Markdown links `](target)` (not http(s), mailto or a bare #anchor), resolved against the
#     page's folder, the #anchor dropped;
#   - code spans that start with a top-level folder of the repository (`Sources/…`, `Tests/…`,
#     `Scripts/…`, `Benchmarks/…`, `Docs/…`, `.ci/…`), resolved against the root; a `*` in
#     them must match at least one path; a trailing `:LINE` or `#anchor` is dropped.
# Prints one line per missing path (page: path) and exits 1 if there is any.
#
#   Scripts/check_doc_paths.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

missing=0
report() { echo "$1: names '$2', which does not exist"; missing=$((missing + 1)); }

for page in README.md Docs/*.md; do
    dir=$(dirname "$page")
    # Markdown links.
    while IFS= read -r target; do
        target=${target%%#*}
        target=${target%% *}
        [[ -z "$target" || "$target" == http://* || "$target" == https://* || "$target" == mailto:* ]] && continue
        [[ -e "$dir/$target" ]] || report "$page" "$target"
    done < <(grep -o '](\([^)]*\))' "$page" | sed 's/^](\(.*\))$/\1/')
    # Code spans naming repository paths.
    while IFS= read -r span; do
        path=${span%%#*}
        path=${path%%:[0-9]*}
        path=${path%/}
        [[ "$path" == *" "* || "$path" == *"<"* || "$path" == *"{"* || "$path" == *"…"* ]] && continue
        if [[ "$path" == *"*"* ]]; then
            # shellcheck disable=SC2206
            matches=($path)
            ((${#matches[@]})) || report "$page" "$path"
        else
            [[ -e "$path" ]] || report "$page" "$path"
        fi
    done < <(grep -o '`\(Sources\|Tests\|Scripts\|Benchmarks\|Docs\|\.ci\)/[^`]*`' "$page" | tr -d '`')
done

if ((missing)); then
    echo "check_doc_paths: $missing missing path(s)"
    exit 1
fi
echo "check_doc_paths: every path named in README.md and Docs/*.md exists"
