#!/usr/bin/env bash
# Portico developer entry point.
#
#   ./dev.sh up [--server apache|apache-fcgid|apache-htaccess|lighttpd]   install, build, start everything on loopback
#   ./dev.sh down                         stop what `up` started (by pid file)
#   ./dev.sh status                       what is running
#   ./dev.sh test                         sanitizer build, unit suites, install check, distcheck, integration suites, on a private stack
#   ./dev.sh bench                        wrk: static file vs /api/v1/system/ready, RSS of the handlers
#   ./dev.sh bench catalog                the catalog at 100,000 entities: GET, search, graph, import
#   ./dev.sh bench jobs                   the job runner: no-op jobs/s with 4 runners, request-to-start latency
#   ./dev.sh bench metrics                counting's cost (metrics on and off, in turns); a scrape of 10 areas x 8 processes
#   ./dev.sh fuzz                         the libFuzzer harnesses, FUZZ_SECONDS (10) each
#   ./dev.sh ptest [SUITE]                the suites run once (provisioning, kit, ...) on a stack of their own
#   ./dev.sh itest [SERVER]               the HTTP integration suite against one web server (apache)
#   ./dev.sh btest [FILE...]              the browser suite (frontend/tests/) against Apache, with a runner
#
# Environment: PORTICO_PORT (8080), PORTICO_FCGI_CHILDREN (8 per area), PORTICO_TEST_PORT (18080).
# Everything runs from this checkout: build trees in build*/, state (MariaDB data, sockets,
# logs, generated configs) in var/ (var/test/ for the test stack). Nothing is installed
# outside but the Debian packages.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"

DEB_PACKAGES=(
  build-essential autoconf automake pkg-config
  libmariadb-dev libjson-c-dev libxml2-dev libargon2-dev libsodium-dev
  libcurl4-openssl-dev libyaml-dev libcunit1-dev
  mariadb-server mariadb-client apache2 libapache2-mod-fcgid lighttpd spawn-fcgi multiwatch
  wrk curl procps clang libclang-rt-dev chromium git jq prometheus logrotate
)

say() { printf '%s\n' "$*" >&2; }
die() { say "dev.sh: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# packages

deps() {
  local missing=() p
  # Node.js and npm come with the machine image; a bare Debian gets them from apt.
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packaged services must not start on their own: dev.sh runs private instances.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$created" -eq 1 ] && rm -f "$policy"
  return 0
}

# ---------------------------------------------------------------------------------------------
# build

# build DIR [configure args...]: configure once per tree, then make.
build() {
  local dir=$1; shift
  if [ ! -x "$ROOT/configure" ] || [ "$ROOT/configure.ac" -nt "$ROOT/configure" ] || [ "$ROOT/Makefile.am" -nt "$ROOT/Makefile.in" ]; then
    say "autoreconf"
    (cd "$ROOT" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed"
  fi
  mkdir -p "$dir"
  local want="$*"
  if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configure-args" 2>/dev/null)" != "$want" ]; then
    say "configure $want"
    (cd "$dir" && "$ROOT/configure" "$@" >configure.out 2>&1) || { cat "$dir/configure.out" >&2; die "configure failed"; }
    printf '%s' "$want" > "$dir/.configure-args"
  fi
  say "make ($dir)"
  make -C "$dir" -j"$(nproc)" >"$dir/make.out" 2>&1 || { tail -n 40 "$dir/make.out" >&2; die "build failed"; }
}

# ---------------------------------------------------------------------------------------------
# the stack: MariaDB, FastCGI pools, web server. All paths derive from STATE.

set_stack() {  # set_stack STATE_DIR BUILD_DIR PORT
  STATE=$1; BUILD=$2; PORT=$3
  RUN=$STATE/run; LOG=$STATE/log
  DB_SOCK=$RUN/mysqld.sock
  CONF=$STATE/portico.conf
  if [ "$(id -u)" -eq 0 ]; then WEB_USER=www-data; else WEB_USER=$(id -un); fi
}

# Web server workers run as www-data when we are root: they must be able to reach this tree.
ensure_reachable() {
  [ "$(id -u)" -eq 0 ] || return 0
  local d=$ROOT
  while [ "$d" != "/" ]; do
    if ! runuser -u "$WEB_USER" -- test -x "$d" 2>/dev/null; then
      say "note: giving others search (x) permission on $d so $WEB_USER can reach the checkout"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() {  # stop_pid PIDFILE NAME
  local f=$1 name=$2 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "$name did not stop; killing"; kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

mysql_admin() { mariadb --no-defaults -S "$DB_SOCK" -u root "$@"; }

db_start() {
  mkdir -p "$RUN" "$LOG"
  if pid_alive "$RUN/mysqld.pid"; then return 0; fi
  local user; user=$(id -un)
  if [ ! -d "$STATE/mysql/mysql" ]; then
    say "initialising MariaDB data in $STATE/mysql"
    mkdir -p "$STATE/mysql"
    mariadb-install-db --no-defaults --datadir="$STATE/mysql" --user="$user" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$user" \
      --skip-test-db >"$LOG/mariadb-install.log" 2>&1 || { cat "$LOG/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
  fi
  mariadbd --no-defaults --datadir="$STATE/mysql" --socket="$DB_SOCK" --pid-file="$RUN/mysqld.pid" \
    --skip-networking --user="$user" --log-error="$LOG/mariadb.log" \
    --innodb-buffer-pool-size="${PORTICO_DB_BUFFER_POOL:-1G}" --max-connections=200 >/dev/null 2>&1 &
  local i
  for i in $(seq 1 150); do
    if mysql_admin -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  tail -n 20 "$LOG/mariadb.log" >&2
  die "MariaDB did not start"
}

db_stop() {
  stop_pid "$RUN/mysqld.pid" MariaDB
}

# The configuration the handlers and portico-admin read. The handlers' password is made once.
write_config() {
  local pw_file=$STATE/db_password
  [ -s "$pw_file" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pw_file"; chmod 600 "$pw_file"; }
  [ -s "$STATE/provisioner_password" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$STATE/provisioner_password"; chmod 600 "$STATE/provisioner_password"; }
  mkdir -p "$STATE/git" "$STATE/git-archive" "$STATE/exec"
  local group; group=$(id -gn "$WEB_USER")
  # every handler and runner process keeps its counters here; the scrape sums them (lib/metrics.h)
  mkdir -p "$STATE/metrics"; chgrp "$group" "$STATE/metrics"; chmod 2770 "$STATE/metrics"
  cat > "$CONF.tmp" <<EOF
# generated by dev.sh for the stack in $STATE
db_socket = $DB_SOCK
db_name = portico
db_user = portico_app
db_password = $(cat "$pw_file")
app_db_host = localhost
admin_db_user = root
log_file = $LOG/portico.log
master_key_file = $STATE/master.key
# provisioning: the drivers' targets, all inside this stack
provision_mariadb_socket = $DB_SOCK
provision_mariadb_user = portico_provisioner
provision_mariadb_password = $(cat "$STATE/provisioner_password")
provision_mariadb_user_host = localhost
provision_git_root = $STATE/git
provision_git_skeletons = $ROOT/tests/fixtures/skeletons
provision_git_archive = $STATE/git-archive
provision_exec_root = $STATE/exec
provision_exec_programs = ${EXEC_PROGRAMS:-$ROOT/share/exec}
provision_example_programs = $ROOT/share/exec
runner_lock_file = $RUN/runner.lock
metrics_dir = $STATE/metrics
${EXTRA_CONFIG:-}
EOF
  chmod 640 "$CONF.tmp"; chgrp "$group" "$CONF.tmp"; mv "$CONF.tmp" "$CONF"
  touch "$LOG/portico.log"; chgrp "$group" "$LOG/portico.log"; chmod 660 "$LOG/portico.log"
}

db_setup() {
  write_config
  PORTICO_CONFIG=$CONF "$BUILD/admin/portico-admin" migrate --create-database --sql-dir "$ROOT/sql" >&2 || die "migrations failed"
  # Teams made before their Groups were (an older state directory): each gets its Group.
  PORTICO_CONFIG=$CONF "$BUILD/admin/portico-admin" sync-team-groups >/dev/null || die "sync-team-groups failed"
  # The mariadb_database driver's account on its target (here, the stack's own server): it makes
  # databases and users whose names start with the prefix, and grants on those databases only.
  mysql_admin -e "CREATE USER IF NOT EXISTS portico_provisioner@localhost IDENTIFIED BY '$(cat "$STATE/provisioner_password")';
    GRANT ALL PRIVILEGES ON \`p\\_%\`.* TO portico_provisioner@localhost WITH GRANT OPTION;
    GRANT CREATE USER ON *.* TO portico_provisioner@localhost;" || die "the provisioner's account could not be made"
  # The master key that seals secrets: made once, readable by the handlers' group only.
  PORTICO_CONFIG=$CONF "$BUILD/admin/portico-admin" init-master-key --if-missing >/dev/null || die "init-master-key failed"
  chgrp "$(id -gn "$WEB_USER")" "$STATE/master.key"; chmod 640 "$STATE/master.key"
  # The first administrator: made once; its generated password is kept (mode 600) for `up`.
  local out
  out=$(PORTICO_CONFIG=$CONF "$BUILD/admin/portico-admin" create-admin --if-missing) || die "create-admin failed"
  if grep -q '^password: ' <<<"$out"; then
    ( umask 077; sed -n 's/^password: //p' <<<"$out" > "$STATE/admin-password" )
  fi
}

# One FastCGI pool per area: spawn-fcgi opens <area>.sock, multiwatch keeps N children alive.
fcgi_start() {
  local children=${PORTICO_FCGI_CHILDREN:-8} bin area
  chmod 755 "$RUN"
  for bin in "$BUILD"/cgi-bin/*.fcgi; do
    area=$(basename "$bin" .fcgi)
    if pid_alive "$RUN/fcgi-$area.pid"; then
      # a rebuilt handler replaces the running pool; an unchanged one keeps serving
      [ "$bin" -nt "$RUN/fcgi-$area.pid" ] || continue
      stop_pid "$RUN/fcgi-$area.pid" "FastCGI pool $area"
    fi
    rm -f "$RUN/$area.sock"
    local owner=()
    [ "$(id -u)" -eq 0 ] && owner=(-u "$WEB_USER" -g "$(id -gn "$WEB_USER")" -U "$WEB_USER" -G "$(id -gn "$WEB_USER")")
    env PORTICO_CONFIG="$CONF" ${PORTICO_FCGI_ENV:-} \
      spawn-fcgi -s "$RUN/$area.sock" -M 0660 "${owner[@]}" -P "$RUN/fcgi-$area.pid" \
      -- /usr/bin/multiwatch -f "$children" -- "$bin" >/dev/null
  done
}

fcgi_stop() {
  local f
  for f in "$RUN"/fcgi-*.pid; do [ -e "$f" ] && stop_pid "$f" "FastCGI pool $(basename "$f" .pid)"; done
  return 0
}

# The shared-hosting layout: a document root holding the front-end, the error documents, the
# handlers in api-bin/ and the .htaccess; Apache only allows overrides there (plain CGI).
htaccess_docroot() {
  local d=$STATE/htdocs
  rm -rf "$d"; mkdir -p "$d/_portico/errors" "$d/api-bin"
  cp -R "$ROOT/frontend/dist/." "$d/"
  cp "$ROOT"/apache/errors/*.json "$d/_portico/errors/"
  cp "$BUILD"/cgi-bin/*.fcgi "$d/api-bin/"
  sed "s|@PORTICO_CONFIG@|$CONF|" "$ROOT/apache/htaccess" > "$d/.htaccess"
  cp "$ROOT/apache/htaccess-api-bin" "$d/api-bin/.htaccess"
}

# fill_template FILE NAME=VALUE...: FILE with each @NAME@ replaced by its VALUE (values may span
# lines); a placeholder left unfilled is a mistake of the template or of its caller.
fill_template() {
  local text pair name
  text=$(cat "$1") || die "no template $1"; shift
  for pair in "$@"; do
    name=${pair%%=*}
    text=${text//"@$name@"/"${pair#*=}"}
  done
  if [[ $text =~ @[A-Z_]+@ ]]; then die "$BASH_REMATCH is not filled in the template"; fi
  printf '%s\n' "$text"
}

# The web servers' configurations: templates in apache/dev/, filled in for this stack.
apache_conf() {  # apache_conf VARIANT(apache|apache-fcgid|apache-htaccess)
  local variant=$1 mods m conf=$STATE/apache/httpd.conf tpl=$ROOT/apache/dev cores modules user="" part bench=""
  mkdir -p "$STATE/apache"
  mods="mpm_event authz_core authz_host mime dir alias rewrite headers unique_id setenvif env"
  case "$variant" in
    apache-fcgid) mods="$mods fcgid"; part=fcgid ;;
    apache-htaccess) mods="$mods cgid"; part=htaccess; htaccess_docroot ;;
    *) mods="$mods proxy proxy_fcgi"; part=proxy ;;
  esac
  modules=$(for m in $mods; do echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so"; done)
  [ "$(id -u)" -eq 0 ] && user=$(printf 'User %s\nGroup %s' "$WEB_USER" "$(id -gn "$WEB_USER")")
  [ -n "${BENCH_STATIC_DIR:-}" ] && bench=$(fill_template "$tpl/bench.conf.in" "BENCH_STATIC_DIR=$BENCH_STATIC_DIR")
  cores=$(nproc)
  fill_template "$tpl/httpd.conf.in" "PORT=$PORT" "MODULES=$modules" "USER=$user" "RUN=$RUN" "LOG=$LOG" \
    "ROOT=$ROOT" "CORES=$cores" "WORKERS=$(( cores * 32 ))" "BUILD=$BUILD" "CONF=$CONF" "BENCH=$bench" \
    "VARIANT=$(fill_template "$tpl/$part.conf.in" "ROOT=$ROOT" "RUN=$RUN" "BUILD=$BUILD" "STATE=$STATE")" > "$conf"
  mkdir -p "$RUN/fcgid"; [ "$(id -u)" -eq 0 ] && chown "$WEB_USER" "$RUN/fcgid"
  echo "$conf"
}
lighttpd_conf() {
  local conf=$STATE/lighttpd/lighttpd.conf user="" bench=""
  mkdir -p "$STATE/lighttpd"
  [ "$(id -u)" -eq 0 ] && user=$(printf 'server.username = "%s"\nserver.groupname = "%s"' "$WEB_USER" "$(id -gn "$WEB_USER")")
  [ -n "${BENCH_STATIC_DIR:-}" ] && bench="alias.url += ( \"/_bench/\" => \"$BENCH_STATIC_DIR/\" )"
  fill_template "$ROOT/apache/dev/lighttpd.conf.in" "ROOT=$ROOT" "PORT=$PORT" "RUN=$RUN" "LOG=$LOG" "USER=$user" \
    "BUILD=$BUILD" "BENCH=$bench" > "$conf"
  echo "$conf"
}

web_start() {  # web_start SERVER
  local server=$1 conf i
  web_stop
  case "$server" in
    apache|apache-fcgid|apache-htaccess)
      conf=$(apache_conf "$server")
      /usr/sbin/apache2 -f "$conf" -k start || die "Apache did not start; see $LOG/apache-error.log"
      ;;
    lighttpd)
      conf=$(lighttpd_conf)
      # lighttpd opens its error log after dropping privileges
      touch "$LOG/lighttpd-error.log"
      [ "$(id -u)" -eq 0 ] && chown "$WEB_USER" "$LOG/lighttpd-error.log"
      /usr/sbin/lighttpd -tt -f "$conf" >/dev/null || die "lighttpd rejected $conf"
      /usr/sbin/lighttpd -f "$conf" || die "lighttpd did not start; see $LOG/lighttpd-error.log"
      ;;
    *) die "unknown server $server (apache, apache-fcgid, apache-htaccess, lighttpd)" ;;
  esac
  echo "$server" > "$RUN/web.server"
  for i in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/system/health" && return 0
    sleep 0.1
  done
  die "$server did not answer on 127.0.0.1:$PORT"
}

web_stop() {
  stop_pid "$RUN/apache.pid" Apache
  stop_pid "$RUN/lighttpd.pid" lighttpd
  rm -f "$RUN/web.server"
}

stack_up() {  # stack_up SERVER
  local server=$1
  ensure_reachable
  db_start
  db_setup
  # mod_fcgid and CGI start the handlers themselves; the others talk to our pools.
  case "$server" in
    apache-fcgid|apache-htaccess) fcgi_stop ;;
    *) fcgi_start ;;
  esac
  web_start "$server"
  [ "${START_RUNNER:-0}" = 1 ] && runner_start
  return 0
}

# The runner's own account when dev.sh is root, as a deployment runs it: never root, in the web
# server's group only to read the configuration and the master key (both 0640), owning nothing
# but the drivers' directories, its lock and a home of its own.
RUNNER_USER=portico-runner
runner_account() {
  local group; group=$(id -gn "$WEB_USER")
  if ! id -u "$RUNNER_USER" >/dev/null 2>&1; then
    say "making the runner's account $RUNNER_USER (group $group, to read the configuration and the master key)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      -G "$group" "$RUNNER_USER" || die "useradd $RUNNER_USER failed"
  fi
  id -nG "$RUNNER_USER" | tr ' ' '\n' | grep -qx "$group" || usermod -a -G "$group" "$RUNNER_USER"
  mkdir -p "$STATE/runner-home"
  touch "$RUN/runner.lock"
  chown -R "$RUNNER_USER:$RUNNER_USER" "$STATE/git" "$STATE/git-archive" "$STATE/exec" "$STATE/runner-home" "$RUN/runner.lock"
  chmod 700 "$STATE/runner-home"
}

# The runner program every start goes through (runner_start, the suites' passes): the build's,
# or when dev.sh is root a script in the stack that execs it as $RUNNER_USER (setpriv and env
# exec in turn: the pid a caller gets is the runner's own).
runner_program() {
  if [ "$(id -u)" -ne 0 ]; then echo "$BUILD/runner/portico-runner"; return; fi
  runner_account
  cat > "$RUN/portico-runner" <<EOF
#!/bin/sh
# made by dev.sh: the runner as $RUNNER_USER, never as root
exec setpriv --reuid=$RUNNER_USER --regid=$RUNNER_USER --init-groups --inh-caps=-all -- \\
  env HOME="$STATE/runner-home" "$BUILD/runner/portico-runner" "\$@"
EOF
  chmod 755 "$RUN/portico-runner"
  echo "$RUN/portico-runner"
}

# The runner, as a dedicated server runs it (--loop); on shared hosting cron starts one pass a
# minute instead. The test stack runs passes itself, when a test wants one.
runner_start() {
  pid_alive "$RUN/runner.pid" && stop_pid "$RUN/runner.pid" "runner"
  local prog; prog=$(runner_program)
  nohup "$prog" --config "$CONF" --loop >>"$LOG/runner.log" 2>&1 &
  echo $! > "$RUN/runner.pid"
}

stack_down() {
  [ -f "$RUN/runner.pid" ] && stop_pid "$RUN/runner.pid" "runner"
  web_stop
  fcgi_stop
  db_stop
}

stack_status() {
  local name f
  for name in mysqld apache lighttpd runner; do
    f=$RUN/$name.pid
    if pid_alive "$f"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: stopped"; fi
  done
  for f in "$RUN"/fcgi-*.pid; do
    [ -e "$f" ] || continue
    if pid_alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid): stopped"; fi
  done
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  local server=apache
  while [ $# -gt 0 ]; do
    case "$1" in
      --server) server=${2:?--server needs a value}; shift 2 ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  deps
  build "$ROOT/build" --enable-werror
  frontend_build
  set_stack "$ROOT/var" "$ROOT/build" "${PORTICO_PORT:-8080}"
  # catalog files may be registered from var/locations only: a root of the whole checkout would
  # let anyone who registers a location read var/master.key and the generated passwords
  mkdir -p "$STATE/locations"
  # a Prometheus on this machine scrapes /api/v1/system/metrics without a token
  EXTRA_CONFIG="catalog_location_roots = $STATE/locations"$'\nmetrics_allow = 127.0.0.1 ::1' START_RUNNER=1 stack_up "$server"
  # the example templates (share/templates/), for the team platform: made once, then kept as they are
  examples_install >&2
  cat <<EOF

Portico is up ($server, MariaDB, FastCGI handlers, the runner) on loopback:
  URL:     http://127.0.0.1:$PORT/
  API:     http://127.0.0.1:$PORT/api/v1/system/ready
  gallery: http://127.0.0.1:$PORT/templates (the example templates of the team platform)
  login:   admin / $(cat "$STATE/admin-password" 2>/dev/null || echo "(set when it was created)")
  logs:    $LOG/
  stop:    ./dev.sh down
EOF
}

cmd_down() {
  set_stack "$ROOT/var" "$ROOT/build" "${PORTICO_PORT:-8080}"
  stack_down
  say "stopped"
}

cmd_status() {
  set_stack "$ROOT/var" "$ROOT/build" "${PORTICO_PORT:-8080}"
  stack_status
}

# The example templates for the team platform (portico-admin templates install-examples): the
# team made when it is missing; a second run changes nothing.
examples_install() {
  PORTICO_CONFIG=$CONF "$BUILD/admin/portico-admin" templates install-examples || die "the example templates could not be installed"
}

# Internal: the integration suite stops and starts MariaDB of its own stack through these.
cmd_db() {
  set_stack "${PORTICO_STATE:?}" "$ROOT/build-test" 0
  case "$1" in
    stop) db_stop ;;
    start) db_start ;;
  esac
}

SUMMARY=""
# The canary: each integration run wrote a secret with a unique value, revealed it and tried it
# as a password and a token (tests/integration, secrets). The value must be nowhere else: not in
# any log of the run (the request log, the web servers', sanitizers'), not in the browser
# suite's output, not in the database's files (tables, redo and undo logs) in clear. (Answers
# are searched by the suite itself: only a reveal's may hold it.) One check in the summary.
canary_scan() {
  local c found=0
  say "== canary"
  if [ ! -s "$STATE/canaries" ]; then
    say "no canary was written: the secrets suite did not run"; echo "0 1" >> "$SUMMARY"; return 1
  fi
  while read -r c; do
    if grep -rlaF -- "$c" "$LOG" "$STATE/mysql" "$ROOT/var/browser-tests.out" >&2 2>/dev/null; then
      say "the canary $c is in the files above"; found=1
    fi
  done < "$STATE/canaries"
  [ $found -eq 0 ] && say "$(wc -l < "$STATE/canaries") canaries: in no log and no database file"
  echo "$(( 1 - found )) $found" >> "$SUMMARY"
  return $found
}

count_results() {  # adds "passed failed" lines from $SUMMARY
  awk '{p+=$1; f+=$2} END {printf "%d %d\n", p, f}' "$SUMMARY"
}

# The portal: npm ci when node_modules is missing or older than the lock file, then the build
# into frontend/dist, which every stack serves as its document root.
frontend_build() {
  local fe=$ROOT/frontend out
  if [ ! -e "$fe/node_modules/.package-lock.json" ] || [ "$fe/package-lock.json" -nt "$fe/node_modules/.package-lock.json" ]; then
    (cd "$fe" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in frontend/"
  fi
  out=$(cd "$fe" && npm run -s build 2>&1) || { printf '%s\n' "$out" >&2; die "the front-end build failed (frontend/)"; }
}

# The browser suite: node's test runner driving Debian's Chromium through playwright-core,
# against the stack at URL $1 (frontend_build has run).
browser_tests() {
  local out=$ROOT/var/browser-tests.out rc=0
  (cd "$ROOT/frontend" && export PORTICO_TEST_URL=$1 PORTICO_TEST_ADMIN_PASSWORD="$(cat "$STATE/admin-password")" \
    PORTICO_TEST_LOCATIONS="$STATE/locations" &&
    if [ -n "${BROWSER_TEST_FILES:-}" ]; then
      # shellcheck disable=SC2086  # a list of files
      node --test --test-concurrency=1 $BROWSER_TEST_FILES
    else
      npm run -s test:browser
    fi) >"$out" 2>&1 || rc=1
  cat "$out"
  awk '/^# pass / {p=$3} /^# fail / {f=$3} END {printf "%d %d\n", p, f + (p == "" ? 1 : 0)}' "$out" >> "$SUMMARY"
  return $rc
}

# A step of the suite failed: said now, and again under the total (CI shows the tail of the
# output; a failure said only at the top would be lost there).
step_failed() {
  say "$*"
  FAILED_STEPS+=("$*")
  failed=1
}

cmd_test() {
  deps
  FAILED_STEPS=()
  local bt=$ROOT/build-test
  build "$bt" --enable-sanitizers --enable-werror
  frontend_build
  SUMMARY=$ROOT/var/test-summary.txt
  mkdir -p "$ROOT/var"; : > "$SUMMARY"
  local failed=0
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

  say "== API document"
  local tmp; tmp=$(mktemp -d)
  for h in "$bt"/cgi-bin/*.fcgi; do
    "$h" --check || step_failed "$(basename "$h"): its route table is invalid"
    "$h" --routes > "$tmp/$(basename "$h" .fcgi).json"
  done
  "$bt/admin/portico-admin" openapi "$tmp"/*.json > "$tmp/openapi.json"
  if ! cmp -s "$tmp/openapi.json" "$ROOT/docs/openapi.json"; then
    step_failed "docs/openapi.json does not match the route tables: run 'make openapi' and commit it"
  fi
  # the recommended rules of Redocly's linter (redocly.yaml; frontend/ pins @redocly/cli)
  (cd "$ROOT/frontend" && npx --no-install redocly lint "$ROOT/docs/openapi.json" --config "$ROOT/redocly.yaml" \
    --format=stylish) > "$tmp/lint.out" 2>&1 || { cat "$tmp/lint.out" >&2; step_failed "docs/openapi.json fails redocly lint (above)"; }
  # docs/provisioning.md's route tables name exactly the templates and provisioning operations
  if ! diff <(grep -oE '^\| (GET|POST|PUT|DELETE|PATCH) \| `[^`?]+' "$ROOT/docs/provisioning.md" |
                sed -E 's/^\| ([A-Z]+) \| `/\1 /' | sort) \
            <(jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | "\(ascii_upcase) \($p)"' \
                "$ROOT/docs/openapi.json" | grep -E ' /api/v1/(templates|provision)' | sort) > "$tmp/doc-routes.diff"; then
    cat "$tmp/doc-routes.diff" >&2
    step_failed "docs/provisioning.md's route tables and the route rows differ (above: < the doc, > the rows)"
  fi
  "$bt/admin/portico-admin" config > "$tmp/portico.conf.example"
  if ! cmp -s "$tmp/portico.conf.example" "$ROOT/portico.conf.example"; then
    step_failed "portico.conf.example does not match the settings table: run 'portico-admin config > portico.conf.example'"
  fi
  rm -rf "$tmp"
  # lib/portico.h is the library's map: a line for every module (header) in lib/
  local h m missing=""
  for h in "$ROOT"/lib/*.h; do
    m=$(basename "$h" .h)
    [ "$m" = portico ] || grep -Eq "^ \*   $m( |$)|;  $m:" "$ROOT/lib/portico.h" || missing+=" $m"
  done
  if [ -n "$missing" ]; then step_failed "lib/portico.h does not name:$missing"; fi

  say "== fuzzers"
  FUZZ_SECONDS=${FUZZ_SECONDS:-10} cmd_fuzz || step_failed "a fuzzer failed (its log is above; inputs in var/fuzz)"

  say "== unit suites"
  make -C "$bt" -j"$(nproc)" check TESTS= >"$bt/make-check.out" 2>&1 || { tail -n 40 "$bt/make-check.out" >&2; die "building the unit suites failed"; }
  PORTICO_TEST_SUMMARY=$SUMMARY "$bt/tests/unit/unit-tests" || step_failed "the unit suites failed"

  say "== install (make install DESTDIR=<scratch>: units, configuration path, --version)"
  PORTICO_TEST_SUMMARY=$SUMMARY "$ROOT/tests/install/check.sh" "$bt" || step_failed "the install check failed"

  # The release tarball: builds (without sanitizers), passes make check, installs and
  # uninstalls from a read-only source tree. One check in the summary.
  say "== make distcheck"
  local started=$SECONDS
  if make -C "$bt" -j"$(nproc)" distcheck >"$bt/distcheck.out" 2>&1; then
    say "distcheck: $(grep -m1 -o 'portico-[0-9.]*\.tar\.gz' "$bt/distcheck.out" || echo the tarball) is ready ($(( SECONDS - started )) s)"
    echo "1 0" >> "$SUMMARY"
  else
    tail -n 40 "$bt/distcheck.out" >&2
    say "make distcheck failed after $(( SECONDS - started )) s: the whole output is in $bt/distcheck.out"
    echo "0 1" >> "$SUMMARY"; step_failed "make distcheck failed"
  fi

  say "== integration suites"
  set_stack "$ROOT/var/test" "$bt" "${PORTICO_TEST_PORT:-18080}"
  test_config
  stack_down 2>/dev/null || true
  rm -rf "$STATE"; mkdir -p "$LOG" "$RUN" "$STATE/locations"; chmod 755 "$STATE" "$STATE/locations"
  # The handlers run under ASan in long-lived processes: report into files we check afterwards.
  mkdir -p "$LOG/asan"; chmod 777 "$LOG/asan"
  export PORTICO_FCGI_ENV="ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:log_path=$LOG/asan/fcgi UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$LOG/asan/fcgi"
  trap 'stack_down >/dev/null 2>&1 || true' EXIT
  local server
  for server in apache lighttpd apache-fcgid apache-htaccess; do
    say "-- against $server"
    stack_up "$server"
    if [ "$server" = apache ]; then
      PORTICO_CONFIG="$CONF" PORTICO_TEST_SUMMARY=$SUMMARY PORTICO_TEST_ADMIN="$bt/admin/portico-admin" \
        "$bt/tests/integration/db-tests" || step_failed "the database suites failed against $server"
      # the portal's provisioning pages watch jobs run: a runner as a dedicated server keeps one
      say "-- browser (Chromium) against $server"
      runner_start
      # as a deployment runs it: never as root (runner_account)
      if [ "$(id -u)" -eq 0 ] && [ "$(ps -o user= -p "$(cat "$RUN/runner.pid")")" = root ]; then
        step_failed "the runner runs as root"
      fi
      browser_tests "http://127.0.0.1:$PORT" || step_failed "the browser suite failed against $server (var/browser-tests.out)"
      stop_pid "$RUN/runner.pid" "runner"
      say "-- provisioning (templates, requests, the runner, drivers) against $server"
      provision_tests || step_failed "the provisioning suite failed against $server"
    fi
    integration_tests "$server" || step_failed "the HTTP suite failed against $server"
  done
  stack_down
  trap - EXIT
  if ls "$LOG"/asan/* >/dev/null 2>&1; then
    say "sanitizer reports from the handlers and runners:"; cat "$LOG"/asan/* >&2
    step_failed "the sanitizers reported from the handlers or runners (above; $LOG/asan)"
  fi
  canary_scan || step_failed "a canary was found in a log or database file"

  read -r p f < <(count_results)
  [ "$f" -gt 0 ] && failed=1
  echo
  echo "total: $p passed, $f failed"
  local step
  for step in "${FAILED_STEPS[@]}"; do echo "failed: $step"; done
  return $failed
}

# A test stack's settings (test, ptest, itest, btest), into EXTRA_CONFIG and EXEC_PROGRAMS.
test_config() {
  # Every suite logs in from 127.0.0.1, dozens of failures on purpose: the per-address limit
  # would lock the later suites out (the per-account limit is what the suites exercise).
  # Likewise the rate limits: the suites are one very busy address and a few users; the limit
  # itself is tested with its own settings (tests/integration, "rate limits").
  EXTRA_CONFIG=$'login_max_failures_address = 10000\nratelimit_per_minute = 1000000\nratelimit_anonymous_per_minute = 1000000\nratelimit_burst = 100000'
  # catalog files the suites register live here (the handlers check paths, the runner reads them)
  EXTRA_CONFIG+=$'\n'"catalog_location_roots = $STATE/locations"
  EXTRA_CONFIG+=$'\ncheck_answers = 1'
  # one CI/CD integration's allowance, small enough for the suite to reach (http_cicd.c)
  EXTRA_CONFIG+=$'\ncicd_hook_per_minute = 120\ncicd_hook_burst = 20'
  # deploys reach the suites' own deployer on loopback (http_cicd.c); webhooks stay refused there
  EXTRA_CONFIG+=$'\ncicd_deploy_allow_loopback = 1'
  # health checks of the suites' own loopback services (http_health.c)
  EXTRA_CONFIG+=$'\nhealth_allow_loopback = 1'
  # scraping by address: the suites call from 127.0.0.1, and from 127.0.0.2 to be let in (http_metrics.c)
  EXTRA_CONFIG+=$'\nmetrics_allow = 127.0.0.2'
  # alerts and dashboards: the Prometheus a suite starts on the stack's port + 3 (http_monitor.c,
  # dashboard.test.mjs), and receivers on the suites' own loopback listeners
  EXTRA_CONFIG+=$'\n'"prometheus_url = http://127.0.0.1:$((PORT + 3))"
  EXTRA_CONFIG+=$'\nalert_webhook_allow_loopback = 1'
  # the suites' exec fixtures (one runs mariadb -u root against the test server): test stacks only
  EXEC_PROGRAMS="$ROOT/tests/fixtures/bin:$ROOT/share/exec:/bin/false"
}

# A private test stack's start and end, shared by ptest and itest: the suites' limits (one busy
# address), location roots, handlers' sanitizer reports into files, stopped whatever happens.
test_stack_begin() {  # test_stack_begin STATE_DIR BUILD_DIR PORT
  set_stack "$1" "$2" "$3"
  test_config
  stack_down 2>/dev/null || true
  rm -rf "$STATE"; mkdir -p "$LOG" "$RUN" "$STATE/locations"; chmod 755 "$STATE" "$STATE/locations"
  mkdir -p "$LOG/asan"; chmod 777 "$LOG/asan"
  export PORTICO_FCGI_ENV="ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:log_path=$LOG/asan/fcgi UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$LOG/asan/fcgi"
  trap 'stack_down >/dev/null 2>&1 || true' EXIT
}

test_stack_end() {  # returns 1 when a handler or runner reported to the sanitizers
  stack_down
  trap - EXIT
  if ls "$LOG"/asan/* >/dev/null 2>&1; then
    say "sanitizer reports:"; cat "$LOG"/asan/* >&2; return 1
  fi
  return 0
}

# The test build, its suites and the portal built.
test_build() {
  deps
  build "$1" --enable-sanitizers --enable-werror
  make -C "$1" -j"$(nproc)" check TESTS= >"$1/make-check.out" 2>&1 || { tail -n 40 "$1/make-check.out" >&2; die "building the suites failed"; }
  frontend_build   # the document root (and the API document in it)
}

# The provisioning suite alone (tests/integration/provision.c), on a stack of its own:
#   ./dev.sh ptest [SUITE]     PTEST_BUILD (build-test), PTEST_PORT (18085), PTEST_STATE (var/ptest)
# SUITE: run only the suites whose name starts with it. dev.sh test runs every suite.
cmd_ptest() {
  local bt=$ROOT/${PTEST_BUILD:-build-test} rc=0
  test_build "$bt"
  mkdir -p "$ROOT/var"
  SUMMARY=$ROOT/${PTEST_STATE:-var/ptest}-summary.txt; : > "$SUMMARY"
  test_stack_begin "$ROOT/${PTEST_STATE:-var/ptest}" "$bt" "${PTEST_PORT:-18085}"
  stack_up apache
  provision_tests "${1:-}" || rc=1
  test_stack_end || rc=1
  return $rc
}

# The HTTP integration suite (tests/integration/main.c) alone, against one web server, on a
# stack of its own: ./dev.sh itest [SERVER]   ITEST_PORT (18075), state in var/itest.
cmd_itest() {
  local bt=$ROOT/build-test server=${1:-apache} rc=0
  test_build "$bt"
  mkdir -p "$ROOT/var"
  SUMMARY=$ROOT/var/itest-summary.txt; : > "$SUMMARY"
  test_stack_begin "$ROOT/var/itest" "$bt" "${ITEST_PORT:-18075}"
  stack_up "$server"
  integration_tests "$server" || rc=1
  test_stack_end || rc=1
  return $rc
}

# The browser suite alone (frontend/tests/), against Apache with a runner in --loop, on a stack of
# its own: ./dev.sh btest [FILE...]   FILE: test files (default: all), e.g. tests/resources.test.mjs.
# BTEST_PORT (18095), state in var/btest; screenshots in var/artifacts/screenshots/.
cmd_btest() {
  local bt=$ROOT/build-test rc=0
  test_build "$bt"
  mkdir -p "$ROOT/var"
  SUMMARY=$ROOT/var/btest-summary.txt; : > "$SUMMARY"
  test_stack_begin "$ROOT/var/btest" "$bt" "${BTEST_PORT:-18095}"
  stack_up apache
  runner_start
  BROWSER_TEST_FILES="$*" browser_tests "http://127.0.0.1:$PORT" || rc=1
  stop_pid "$RUN/runner.pid" "runner"
  test_stack_end || rc=1
  return $rc
}

integration_tests() {  # integration_tests SERVER: tests/integration/main.c against the stack set_stack chose
  PORTICO_TEST_URL="http://127.0.0.1:$PORT" PORTICO_TEST_SERVER=$1 \
    PORTICO_TEST_DB_STOP="$ROOT/dev.sh _db stop" PORTICO_TEST_DB_START="$ROOT/dev.sh _db start" \
    PORTICO_STATE="$STATE" PORTICO_TEST_CGI="$BUILD/cgi-bin/system.fcgi" PORTICO_CONFIG="$CONF" \
    PORTICO_TEST_ADMIN="$BUILD/admin/portico-admin" PORTICO_TEST_SQL="$ROOT/sql" \
    PORTICO_TEST_RUNNER="$(runner_program)" PORTICO_TEST_LOCATIONS="$STATE/locations" \
    PORTICO_TEST_LOG="$LOG/portico.log" PORTICO_TEST_SUMMARY=$SUMMARY \
    PORTICO_TEST_ADMIN_PASSWORD="$(cat "$STATE/admin-password")" \
    "$BUILD/tests/integration/integration-tests"
}

provision_tests() {  # provision_tests [SUITE]: against the stack set_stack chose
  # the runners the suite starts report sanitizer findings into files, checked afterwards
  mkdir -p "$LOG/asan"; chmod 777 "$LOG/asan"
  ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:log_path=$LOG/asan/runner" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$LOG/asan/runner" \
  PORTICO_TEST_URL="http://127.0.0.1:$PORT" PORTICO_TEST_SERVER=apache PORTICO_CONFIG="$CONF" \
    PORTICO_STATE="$STATE" PORTICO_TEST_ADMIN="$BUILD/admin/portico-admin" PORTICO_TEST_RUNNER="$(runner_program)" \
    PORTICO_TEST_LOG="$LOG/portico.log" PORTICO_TEST_SUMMARY=$SUMMARY PORTICO_TEST_ONLY="${1:-}" \
    PORTICO_TEST_FIXTURES="$ROOT/tests/fixtures" \
    PORTICO_TEST_ADMIN_PASSWORD="$(cat "$STATE/admin-password")" \
    "$BUILD/tests/integration/provision-tests"
}

# Build the libFuzzer harnesses with clang (ASan + UBSan) and run each for FUZZ_SECONDS
# (default 10) from its corpus. A crash fails; new inputs found stay in var/fuzz/.
cmd_fuzz() {
  local secs=${FUZZ_SECONDS:-10} out=$ROOT/var/fuzz bf=$ROOT/build-fuzz name failed=0
  command -v clang >/dev/null || die "clang is needed for the fuzzers (apt-get install clang)"
  # the harnesses and what they link are the Makefile's (configure --enable-fuzzers)
  build "$bf" --enable-fuzzers CC=clang
  mkdir -p "$out"
  for h in "$bf"/tests/fuzz/fuzz_*; do
    [ -x "$h" ] || continue
    name=${h##*/fuzz_}
    mkdir -p "$out/corpus-$name"
    say "fuzz_$name: ${secs}s"
    if ! (cd "$out" && "$h" -max_total_time="$secs" -max_len=8192 -timeout=5 \
          "corpus-$name" "$ROOT/tests/fuzz/corpus/$name" >"fuzz_$name.log" 2>&1); then
      tail -n 30 "$out/fuzz_$name.log" >&2; failed=1
    else
      tail -n 1 "$out/fuzz_$name.log" >&2
    fi
  done
  return $failed
}

cmd_bench() {
  deps
  build "$ROOT/build" --enable-werror
  set_stack "$ROOT/var/bench" "$ROOT/build" "${PORTICO_BENCH_PORT:-18090}"
  # The bench measures what the limits cost, not how they refuse: one busy caller stays far
  # under its pace, with a burst of 0.6 s of it (a queue of that long refuses nothing).
  EXTRA_CONFIG=$'ratelimit_per_minute = 10000000\nratelimit_anonymous_per_minute = 1000000\nratelimit_burst = 100000\ncicd_hook_per_minute = 10000000\ncicd_hook_burst = 1000000'
  rm -f "$LOG/portico.log"   # each run logs millions of lines: keep only this one's
  export BENCH_STATIC_DIR=$STATE/static
  mkdir -p "$BENCH_STATIC_DIR"
  printf '{"status":"ready","schema":{"current":1,"expected":1}}' > "$BENCH_STATIC_DIR/ready-sized.json"
  trap 'stack_down >/dev/null 2>&1 || true' EXIT
  stack_up "${PORTICO_BENCH_SERVER:-apache}"
  local script=$ROOT/tests/bench/bench.sh rc=0
  [ "${1:-}" = catalog ] && script=$ROOT/tests/bench/catalog.sh
  [ "${1:-}" = jobs ] && script=$ROOT/tests/bench/jobs.sh
  [ "${1:-}" = cicd ] && script=$ROOT/tests/bench/cicd.sh
  [ "${1:-}" = metrics ] && script=$ROOT/tests/bench/metrics.sh
  PORTICO_BENCH_POOLS="$ROOT/dev.sh _bpools" PORTICO_BENCH_URL="http://127.0.0.1:$PORT" PORTICO_BENCH_RUN="$RUN" PORTICO_CONFIG="$CONF" \
    PORTICO_BENCH_ADMIN="$BUILD/admin/portico-admin" PORTICO_BENCH_RUNNER="$BUILD/runner/portico-runner" \
    PORTICO_BENCH_ADMIN_PASSWORD="$(cat "$STATE/admin-password" 2>/dev/null)" \
    "$script" || rc=$?
  stack_down
  trap - EXIT
  return $rc
}

case "${1:-}" in
  # Internal, for measuring by hand: the bench stack up (with the bench's limits) or down.
  _bup) deps; set_stack "$ROOT/var/bench" "$ROOT/build" 18090
        EXTRA_CONFIG=$'ratelimit_per_minute = 10000000\nratelimit_anonymous_per_minute = 1000000\nratelimit_burst = 100000\ncicd_hook_per_minute = 10000000\ncicd_hook_burst = 1000000'
        stack_up "${2:-apache}" ;;
  _bdown) set_stack "$ROOT/var/bench" "$ROOT/build" 18090; stack_down ;;
  # The bench's handler pools restarted with metrics on or off (tests/bench/metrics.sh's A/B).
  _bpools) set_stack "$ROOT/var/bench" "$ROOT/build" "${PORTICO_BENCH_PORT:-18090}"; fcgi_stop
           [ "${2:?on or off}" = off ] && export PORTICO_FCGI_ENV="PORTICO_METRICS_DIR="
           fcgi_start ;;
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  test) cmd_test ;;
  bench) cmd_bench "${2:-}" ;;
  fuzz) cmd_fuzz ;;
  ptest) cmd_ptest "${2:-}" ;;
  itest) cmd_itest "${2:-}" ;;
  btest) shift; cmd_btest "$@" ;;
  _db) cmd_db "${2:?}" ;;
  *) say "usage: ./dev.sh up [--server apache|apache-fcgid|apache-htaccess|lighttpd] | down | status | test | bench [catalog|jobs|cicd|metrics] | ptest [SUITE] | itest [SERVER] | btest [FILE...]"; exit 2 ;;
esac
