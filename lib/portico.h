/*
 * libportico: the map. One line per module; each header documents its functions.
 *
 *   arena    request arena: everything a request allocates, freed at once after it
 *   problem  errors as values; RFC 9457 problem+json rendering
 *   config   the key = value configuration file and PORTICO_* environment overrides
 *   log      one JSON line per request (and a few start-up events); reopened after rotation; searched
 *   trace    W3C Trace Context: traceparent continued or begun, child spans, the header
 *   metrics  counters and histograms in a per-process slot file; metrics_scrape.c: all summed, written
 *   addrlist IP addresses and CIDR blocks, as settings name them (metrics_allow)
 *   health   health checks' rules: statuses, settings' bounds, the damping of flapping results
 *   promql   a developer's PromQL scoped to one entity's series (every selector given its matcher)
 *   alert    alert rules' rules: kinds and metrics, the pending/firing/resolved moves, receivers' notices
 *   http     request from CGI/FastCGI parameters (query, cookies, headers, capped body); response
 *   router   route tables (method, pattern, permission, function, docs, query, body, answer), matching
 *   shape    a JSON value's declared form in a line: checks bodies and answers, makes JSON Schemas;
 *            shapes.c: the API's named shapes
 *   json     JSON bodies with depth/size limits; the readers of a body its shape has checked
 *   db       MariaDB: lazy connection, cached prepared statements, transactions, safe retry
 *   authn    who is asking: session cookies (idle/absolute expiry, CSRF), bearer tokens
 *   authz    may they: permission registry, built-in roles, scoped bindings, the deciding binding
 *   password Argon2id hashing and verification;  token: random tokens and their SHA-256
 *   monotime the monotonic clock, for durations and deadlines (never a date)
 *   subprocess one program run and watched: its output, a timeout, a heartbeat (git, the drivers)
 *   utf8     well-formed UTF-8 (table 3-7): one check for requests, JSON, passwords, reveals
 *   apitoken API tokens as records: check, store, list, revoke (auth's own, iam's service accounts)
 *   audit    the tamper-evident audit log: append in the change's transaction, verify the chain
 *   ratelimit GCRA per caller in MariaDB, with per-process leases
 *   catalog  entity rules (Backstage's): kinds, names, refs, validation, declared relations
 *   catalog_store writing entities (a PUT, an import, a location's sync): relations both ways, audited
 *   yamldoc  YAML streams into json-c values under limits (depth, nodes, documents; no aliases)
 *   location where a catalog file lives (file, git, URL) and reading it within the roots
 *   fcgi     the FastCGI responder loop (kept connections, epoll, clean stop)
 *   app      the request lifecycle every handler shares; app_main is a handler's main(); the
 *            handler kit: app_may/app_refuse, app_limit/app_query_int, cursors, app_page,
 *            app_audited, app_keep; app_page.c: cursors and pages of lists; app_main.c: --check,
 *            --routes, the FastCGI and CGI loops;
 *            app_scope.c: where the caller holds a permission, as SQL on a list's rows
 *   crypto   envelope encryption (libsodium), the master keyring;  secrets: versioned secrets on it
 *   secret_path a secret's path (team or entity scope, environment, name), parsed without a database
 *   template provisioning templates: the XML read and checked, request values, rendering;
 *            template_scan: the security scan publishing requires
 *   template_examples the stock templates (share/templates/, compiled in) and their install
 *   provision template versions, resources, jobs, history and the inbox (handler and runner)
 *   provision_state every change of a request's, resource's, job's or step's state: the diagram
 *   cicd     CI/CD providers: their signatures, their payloads read into runs, deployments, commits;
 *            where a deploy may be sent (API, target, version)
 *   cicd_report a run's uploads read: JUnit XML into counts and failing tests, SARIF into findings
 *   dora     the DORA figures' arithmetic: durations in 2% buckets, percentiles over them
 *   textdiff unified diffs of texts, bounded
 *   throttle attempts counted in the database with doubling locks (logins, password checks, resets)
 *   device   the browsers (device cookie) and addresses an account logged in from: spared others' lockouts
 *   account  an administrator's password reset: a temporary password that must be changed
 *   team_group a team shown as its Group entity in the catalog, kept in step (through catalog_store)
 *
 * What lib/ does not do: print (but log), exit, or know any particular area.
 */
#ifndef PORTICO_H
#define PORTICO_H

#include "app.h"
#include "arena.h"
#include "audit.h"
#include "authn.h"
#include "authz.h"
#include "catalog.h"
#include "catalog_store.h"
#include "location.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "health.h"
#include "problem.h"
#include "router.h"
#include "shape.h"

#endif
