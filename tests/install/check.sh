#!/usr/bin/env bash
# What `make install` puts on a machine agrees with itself: `make install DESTDIR=<scratch>`
# from a configured build tree, then
#   - the installed portico-admin answers --version and -V (name, version, expected schema),
#   - the configuration file the programs read by default (portico-admin config --path, from
#     CONFIG_DEFAULT_PATH) is the one every installed unit and web server configuration names,
#   - the programs the units start are where they say,
#   - the README and docs/ name that same file (they describe a build with the default prefix),
#   - the API document is installed where the web servers serve it from.
#
#   tests/install/check.sh BUILD_DIR       (./dev.sh test runs it on build-test)
# Prints one line per check; appends "passed failed" to $PORTICO_TEST_SUMMARY; exit 1 on a failure.
set -uo pipefail

BUILD=$(cd "${1:?usage: check.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { fail=$((fail + 1)); printf 'not ok - %s\n' "$1"; shift; for l in "$@"; do printf '    %s\n' "$l"; done; }
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "found:    $3"; fi
}
finish() {
  [ -n "${PORTICO_TEST_SUMMARY:-}" ] && echo "$pass $fail" >> "$PORTICO_TEST_SUMMARY"
  echo "install: $pass passed, $fail failed"
  rm -rf "$scratch"
  [ "$fail" -eq 0 ]
  exit
}

scratch=$(mktemp -d)
dest=$scratch/root

# The build's own directory variables, as make expands them.
dirs=$(printf 'print-dirs:\n\t@echo "$(prefix)|$(sbindir)|$(cgibindir)|$(sqldir)|$(frontenddir)|$(apacheerrorsdir)|$(apachedir)|$(systemddir)|$(portico_config)|$(PACKAGE_VERSION)"\n' |
  make -s --no-print-directory -C "$BUILD" -f Makefile -f - print-dirs) || { not_ok "the build tree's Makefile answers its directories"; finish; }
IFS='|' read -r prefix sbindir cgibindir sqldir frontenddir errorsdir apachedir systemddir config version <<<"$dirs"

if make -s -C "$BUILD" install DESTDIR="$dest" >"$scratch/install.log" 2>&1; then
  ok "make install DESTDIR=<scratch>"
else
  not_ok "make install DESTDIR=<scratch>" "$(tail -n 20 "$scratch/install.log")"; finish
fi

admin=$dest$sbindir/portico-admin
schema=$(for f in "$dest$sqldir"/[0-9][0-9][0-9][0-9]_*.sql; do basename "$f"; done | sort | tail -n 1 | cut -c1-4)
schema=$((10#${schema:-0}))
for flag in --version -V version; do
  out=$("$admin" "$flag" 2>&1); rc=$?
  check "portico-admin $flag prints the name, version and schema, exit 0" "0 portico-admin $version (schema $schema)" "$rc $out"
done

path=$(env -u PORTICO_CONFIG "$admin" config --path)
check "portico-admin config --path is \$(sysconfdir)/portico/portico.conf" "$config" "$path"
check "PORTICO_CONFIG and --config change what config --path names" "/x/a.conf /x/b.conf" \
  "$(PORTICO_CONFIG=/x/a.conf "$admin" config --path) $(PORTICO_CONFIG=/x/a.conf "$admin" --config /x/b.conf config --path)"

fcgi_unit=$dest$systemddir/portico-fcgi@.service
runner_unit=$dest$systemddir/portico-runner.service
fcgid_conf=$dest$apachedir/portico-fcgid.conf
for f in "$fcgi_unit" "$runner_unit"; do
  check "$(basename "$f") reads the programs' configuration" "$path" "$(sed -n 's/^Environment=PORTICO_CONFIG=//p' "$f" 2>&1)"
done
check "portico-runner.service's cron alternative reads it too" "$path" \
  "$(sed -n 's/^#.*PORTICO_CONFIG=\([^ ]*\) .*portico-runner --once$/\1/p' "$runner_unit")"
check "portico-fcgid.conf's PORTICO_CONFIG is it" "$path" "$(sed -n 's/^#   Define PORTICO_CONFIG *//p' "$fcgid_conf")"

# The programs the units start, and the directories portico-fcgid.conf names, are installed.
handler=$(sed -n 's|.*-- \(/[^ ]*\)/%i\.fcgi$|\1|p' "$fcgi_unit")
missing=""
for h in "$dest$cgibindir"/*.fcgi; do
  [ -x "$dest$handler/$(basename "$h")" ] || missing="$missing $(basename "$h")"
done
check "portico-fcgi@.service starts the installed handlers ($handler/%i.fcgi)" "$cgibindir " "$handler $missing"
runner=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$runner_unit")
if [ -x "$dest$runner" ]; then ok "portico-runner.service starts the installed runner ($runner)"; else not_ok "portico-runner.service starts $runner, which is not installed"; fi
bad=""
while read -r name dir; do
  [ -d "$dest$dir" ] || bad="$bad $name=$dir"
done < <(sed -n 's/^#   Define \(PORTICO_DIST\|PORTICO_ERRORS\|PORTICO_CGI\) *\([^ ]*\).*/\1 \2/p' "$fcgid_conf")
check "portico-fcgid.conf's directories are the installed ones" "" "$bad"

# The API document is installed with the portal, where the web servers serve it from
# (/api/v1/openapi.json), and it is the one the route tables made.
if cmp -s "$dest$frontenddir/api/v1/openapi.json" "$SRC/docs/openapi.json"; then
  ok "docs/openapi.json is installed as $frontenddir/api/v1/openapi.json"
else
  not_ok "docs/openapi.json is installed as $frontenddir/api/v1/openapi.json" "missing or not docs/openapi.json (a stale frontend/dist? npm run build)"
fi

# The documentation describes a build with the default prefix: every configuration path it
# names is the one such a build reads (a line explaining another --sysconfdir aside).
if [ "$prefix" = /usr/local ]; then
  named=$(cd "$SRC" && grep -rhE '/etc/portico/portico\.conf' README.md docs apache | grep -v -- '--sysconfdir=' |
    grep -oE '[^ `"=(]*/etc/portico/portico\.conf' | sort -u | tr '\n' ' ')
  check "README, docs/ and apache/ name only the programs' configuration" "$path " "$named"
else
  not_ok "the documentation check needs a build with the default prefix (this one has $prefix)"
fi

finish
