#!/usr/bin/env bash
# Writes one small school file per schema version this project has shipped, each made by the code
# of the commit that introduced that version (git archive of the commit into a temporary folder,
# run with this venv's Python): a demo school of 4 pupils and 2 weeks of marks, one amended mark
# and the figures that version printed (stats --json). tests/store/test_old_school_files.py opens
# each with today's code (migrating it) and checks what it finds.
# Usage: bash tests/data/schools/make.sh   (from the repository root; about a minute)
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
out=$root/tests/data/schools
py=$root/.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # run the CLI of the unpacked commit
  (cd "$work/src" && PYTHONPATH="$work/src" "$py" -c \
    "import sys; from attendance_desk.cli import main; sys.exit(main(sys.argv[1:]))" "$@")
}
declare -A seen
for commit in $(git log --reverse --format=%h -- attendance_desk/store/schema.py); do
  rm -rf "$work/src" "$work/school.sqlite"* && mkdir "$work/src"
  git archive "$commit" | tar -x -C "$work/src"
  db=$work/school.sqlite
  run --db "$db" --as office1 --today 2024-11-20 demo --pupils 4 --weeks 2 --seed 3 >/dev/null
  version=$("$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA user_version').fetchone()[0])" "$db")
  if [ -n "${seen[$version]:-}" ]; then continue; fi
  seen[$version]=1
  read -r upn day < <("$py" - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(*c.execute("SELECT p.upn, m.date FROM marks m JOIN pupils p ON p.id = m.pupil_id "
                 "WHERE m.session = 'AM' ORDER BY p.upn, m.date LIMIT 1").fetchone())
PY
)
  run --db "$db" --as office1 --today 2024-11-20 amend --upn "$upn" --date "$day" --session AM \
    --code I --reason "mother rang: flu" >/dev/null
  name=$(printf "v%02d-%s" "$version" "$commit")
  run --db "$db" --today 2024-11-20 stats --from 2024-09-01 --to 2024-11-20 --json > "$out/$name.stats.json"
  "$py" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('VACUUM'); c.close()" "$db"
  gzip -9 -c "$db" > "$out/$name.sqlite.gz"
  echo "$name: $(stat -c %s "$out/$name.sqlite.gz") bytes"
done
