#!/bin/sh
# Prints lighttpd's fastcgi.server entries for every installed Portico area:
#   include_shell "/usr/local/share/portico/lighttpd/lighttpd-areas.sh CGI_DIR RUN_DIR"
# /api/v1/<area> and /api/v1/<area>/ go to RUN_DIR/<area>.sock; anything else under /api/ goes to the system
# handler, whose router answers 404 problem+json for it. Adding an area needs no edit here.
# /api/v1/openapi.json is left out: it is a static file (lighttpd.conf).
cgi=${1:?usage: lighttpd-areas.sh CGI_DIR RUN_DIR}
run=${2:?usage: lighttpd-areas.sh CGI_DIR RUN_DIR}
printf '$HTTP["url"] != "/api/v1/openapi.json" {\n'
for f in "$cgi"/*.fcgi; do
  [ -x "$f" ] || continue
  a=$(basename "$f" .fcgi)
  case "$a" in *[!a-z]*) continue ;; esac
  printf 'fastcgi.server += ( "/api/v1/%s/" => (( "socket" => "%s/%s.sock", "check-local" => "disable" )) )\n' "$a" "$run" "$a"
  # the area's own collection (/api/v1/templates): a prefix, so /api/v1/<area>x comes here too, and its router says 404
  printf 'fastcgi.server += ( "/api/v1/%s" => (( "socket" => "%s/%s.sock", "check-local" => "disable" )) )\n' "$a" "$run" "$a"
done
printf 'fastcgi.server += ( "/api/" => (( "socket" => "%s/system.sock", "check-local" => "disable" )) )\n' "$run"
printf '}\n'
