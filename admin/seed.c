/*
 * portico-admin seed --entities N: a catalog of N entities for demos and benchmarks, in the
 * namespace "seed" (kept when one of that size is there, else replaced whole; with --replace
 * always replaced), with teams to own them. The namespace "bench", which the catalog benchmark
 * imports into, is emptied each time. Nothing else is touched.
 *
 * The shape of a real organisation's catalog: 200 Groups (Portico teams seed-team-000...), 50
 * Domains, 1% Systems, 8.75% APIs, 15% Resources, the rest Components; each Component owned by
 * a Group, part of a System, depending on an earlier Component, and every third providing an
 * API. That is three declared relations per entity (300,000 for 100,000 entities), each stored
 * both ways. Rows are written in bulk (1,000 entities a statement), not through the API: the
 * documents are what an import of the same entities would store, and one audit event records
 * the seeding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/seed.h"
#include "lib/portico.h"

#define BATCH 1000

static const char *const words[] = {
    "payments", "ledger", "billing", "invoices", "search", "catalog", "orders", "shipping", "inventory", "pricing",
    "accounts", "identity", "sessions", "tokens", "audit", "reports", "analytics", "metrics", "alerts", "logging",
    "email", "sms", "push", "notifications", "images", "video", "uploads", "storage", "cache", "queue",
    "scheduler", "workflow", "checkout", "cart", "recommendations", "reviews", "ratings", "fraud", "risk", "compliance",
    "tax", "currency", "exchange", "wallet", "loyalty", "coupons", "promotions", "subscriptions", "plans", "usage",
    "gateway", "proxy", "router", "dns", "certificates", "secrets", "config", "features", "experiments", "flags",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))
static const char *const langs[] = { "java", "go", "python", "rust", "node", "c", "kotlin", "ruby" };
static const char *const lifecycles[] = { "production", "production", "production", "experimental", "deprecated" };
static const char *const ctypes[] = { "service", "service", "service", "website", "library", "job" };
static const char *const rtypes[] = { "database", "bucket", "queue", "cache", "topic" };

/* A growing string. */
struct sb {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 1 << 20;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static unsigned mix(unsigned x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

struct counts {
    long groups, domains, systems, apis, resources, components;
};

static struct counts shape(long n)
{
    struct counts c = { 200, 50, n / 100, n * 875 / 10000, n * 15 / 100, 0 };
    if (n < 1000)
        c = (struct counts){ n / 10 + 1, 1, 1, n / 10, n / 10, 0 };
    c.components = n - c.groups - c.domains - c.systems - c.apis - c.resources;
    return c;
}

/* Entity i's kind and name (i counts across kinds in the order above). */
static const char *entity_of(const struct counts *c, long i, char *name, size_t len, long *k)
{
    static const char *const kinds[] = { "Group", "Domain", "System", "API", "Resource", "Component" };
    static const char *const prefixes[] = { "seed-team-", "seed-domain-", "seed-sys-", "seed-api-", "seed-res-", "seed-svc-" };
    static const int widths[] = { 3, 2, 4, 5, 5, 5 };
    const long sizes[] = { c->groups, c->domains, c->systems, c->apis, c->resources, c->components };
    for (int t = 0; t < 6; t++) {
        if (i < sizes[t]) {
            snprintf(name, len, "%s%0*ld", prefixes[t], widths[t], i);
            *k = i;
            return kinds[t];
        }
        i -= sizes[t];
    }
    return NULL;
}

struct rel {
    const char *type, *inverse;
    char target[96];
};

/* A relation to prefix followed by x in width digits ("group:seed/seed-team-" 3 7). */
static void add_rel(struct rel *rels, int *n, const char *type, const char *inverse, const char *prefix, int width, long x)
{
    rels[*n].type = type;
    rels[*n].inverse = inverse;
    snprintf(rels[*n].target, sizeof(rels[*n].target), "%s%0*ld", prefix, width, x);
    (*n)++;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s | 0x20);
}

/* Wait (up to two minutes) until InnoDB has purged what the deletes left behind (its history
 * list: transactions whose old versions are still kept; one big DELETE counts once), so what runs
 * next (a benchmark) does not share the machine with it. Best effort: needs PROCESS. */
static void purge_wait(struct db *db, struct arena *a)
{
    for (int i = 0; i < 240; i++) {
        struct problem p;
        struct db_result r;
        problem_init(&p);
        if (db_query(db, a, "SELECT `COUNT` FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'",
                     NULL, 0, &r, &p) < 0 || r.nrows == 0 || atoll(db_cell(&r, 0, 0)) < 10)
            return;
        struct timespec ts = { 0, 500 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

int cmd_seed(const struct config *cfg, int argc, char **argv)
{
    long n = 0;
    bool replace = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--replace") == 0) {
            replace = true;
        } else if (strcmp(argv[i], "--entities") == 0 && i + 1 < argc) {
            n = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "portico-admin seed: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (n < 100 || n > 1000000) {
        fprintf(stderr, "portico-admin seed: --entities takes 100 to 1,000,000\n");
        return 2;
    }
    struct counts c = shape(n);
    struct problem p;
    struct arena a;
    struct db_result r;
    problem_init(&p);
    arena_init(&a, 0);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    struct sb ents = { 0 }, rels = { 0 }, terms = { 0 }, tagrows = { 0 };
    int rc = 2;
    if (!db)
        goto out;
    fprintf(stderr, "seeding %ld entities: %ld groups, %ld domains, %ld systems, %ld APIs, %ld resources, %ld components\n",
            n, c.groups, c.domains, c.systems, c.apis, c.resources, c.components);
    /* the seed, and what the catalog benchmark imported (namespace bench) */
    /* a seed of this size already there is kept (--replace writes it again): a benchmark run
     * right after deleting 100,000 rows would measure InnoDB purging them */
    if (db_query(db, &a, "SELECT COUNT(*) FROM entities WHERE namespace = 'seed'", NULL, 0, &r, &p) < 0)
        goto out;
    if (!replace && atol(db_cell(&r, 0, 0)) == n) {
        if (db_exec_script(db, "DELETE FROM entities WHERE namespace = 'bench'", &p) < 0)
            goto out;
        purge_wait(db, &a);
        printf("kept the seed of %ld entities already in namespace seed (--replace writes it again)\n", n);
        rc = 0;
        goto out;
    }
    for (;;) {   /* in slices: one statement over 100,000 rows and their relations takes minutes */
        struct db_result d;
        if (db_query(db, &a, "DELETE FROM entities WHERE namespace IN ('seed', 'bench') LIMIT 2000", NULL, 0, &d, &p) < 0)
            goto out;
        if (d.affected == 0)
            break;
    }
    for (long g = 0; g < c.groups; g++) {
        char sql[160];
        char sql2[200];
        snprintf(sql, sizeof(sql), "INSERT IGNORE INTO teams (name, display_name) VALUES ('seed-team-%03ld', 'Seed team %ld')", g, g);
        /* each team is its own ancestor (team_closure), as iam makes teams: else its members hold no team */
        snprintf(sql2, sizeof(sql2), "INSERT IGNORE INTO team_closure (ancestor_id, descendant_id, depth) SELECT id, id, 0 "
                                     "FROM teams WHERE name = 'seed-team-%03ld'", g);
        if (db_exec_script(db, sql, &p) < 0 || db_exec_script(db, sql2, &p) < 0)
            goto out;
    }
    if (db_query(db, &a, "SELECT COALESCE(MAX(id), 0) FROM entities", NULL, 0, &r, &p) < 0)
        goto out;
    long long base = atoll(db_cell(&r, 0, 0)) + 1;
    long nrel = 0;
    for (long at = 0; at < n; at += BATCH) {
        ents.len = rels.len = terms.len = tagrows.len = 0;
        arena_reset(&a);
        sb_printf(&terms, "INSERT IGNORE INTO entity_terms (term, entity_id, kind, type, lifecycle, owner_ref, owner_team, "
                          "namespace, ref, tags) VALUES ");
        sb_printf(&tagrows, "INSERT IGNORE INTO entity_tags (tag, entity_id, kind, type, lifecycle, owner_ref, owner_team, "
                            "namespace, ref, tags) VALUES ");
        bool first_term = true, first_tag = true;
        sb_printf(&ents, "INSERT INTO entities (id, ref, kind, namespace, name, title, description, type, lifecycle, "
                         "owner_ref, owner_team, tags, document) VALUES ");
        sb_printf(&rels, "INSERT INTO relations (source_ref, type, target_ref, declared_by) VALUES ");
        bool first_rel = true;
        for (long i = at; i < n && i < at + BATCH; i++) {
            char name[64], ref[128], owner[96] = "", team[64] = "", desc[256], title[128], tags[64] = "";
            const char *type = "", *life = "";
            long k = 0;
            const char *kind = entity_of(&c, i, name, sizeof(name), &k);
            unsigned h = mix((unsigned)i);
            struct rel rl[4];
            int nr = 0;
            snprintf(ref, sizeof(ref), "%s:seed/%s", kind, name);
            lower(ref);
            snprintf(desc, sizeof(desc), "Handles %s and %s for the %s area", words[h % NWORDS], words[(h >> 8) % NWORDS],
                     words[(h >> 16) % NWORDS]);
            snprintf(title, sizeof(title), "%s %s %ld", words[h % NWORDS], kind, k);
            long g = (long)(h % (unsigned)c.groups), sys = (long)((h >> 4) % (unsigned)c.systems);
            if (strcmp(kind, "Group") == 0) {
                snprintf(team, sizeof(team), "%s", name);
                if (k > 0)
                    add_rel(rl, &nr, "childOf", "parentOf", "group:seed/seed-team-", 3, (k - 1) / 10);
            } else {
                snprintf(owner, sizeof(owner), "group:seed/seed-team-%03ld", g);
                snprintf(team, sizeof(team), "seed-team-%03ld", g);
                add_rel(rl, &nr, "ownedBy", "ownerOf", "group:seed/seed-team-", 3, g);
            }
            if (strcmp(kind, "System") == 0)
                add_rel(rl, &nr, "partOf", "hasPart", "domain:seed/seed-domain-", 2, k % c.domains);
            if (strcmp(kind, "API") == 0 || strcmp(kind, "Resource") == 0 || strcmp(kind, "Component") == 0)
                add_rel(rl, &nr, "partOf", "hasPart", "system:seed/seed-sys-", 4, sys);
            if (strcmp(kind, "Component") == 0) {
                type = ctypes[h % 6];
                life = lifecycles[(h >> 3) % 5];
                snprintf(tags, sizeof(tags), "%s %s", langs[(h >> 5) % 8], words[(h >> 12) % NWORDS]);
                if (k > 0)
                    add_rel(rl, &nr, "dependsOn", "dependencyOf", "component:seed/seed-svc-", 5, (long)(mix((unsigned)k) % (unsigned)k));
                if (k % 3 == 0 && c.apis)
                    add_rel(rl, &nr, "providesApi", "apiProvidedBy", "api:seed/seed-api-", 5, k / 3 % c.apis);
            } else if (strcmp(kind, "API") == 0) {
                type = "openapi";
                life = "production";
            } else if (strcmp(kind, "Resource") == 0) {
                type = rtypes[h % 5];
            } else if (strcmp(kind, "Group") == 0) {
                type = "team";
            }
            /* the document, as an import would store it */
            struct sb doc = { 0 };
            sb_printf(&doc, "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"%s\",\"metadata\":{\"name\":\"%s\","
                            "\"namespace\":\"seed\",\"title\":\"%s\",\"description\":\"%s\"", kind, name, title, desc);
            if (tags[0]) {
                char t1[32], t2[32];
                sscanf(tags, "%31s %31s", t1, t2);
                sb_printf(&doc, ",\"tags\":[\"%s\",\"%s\"]", t1, t2);
            }
            sb_printf(&doc, "},\"spec\":{");
            const char *sep = "";
            if (type[0]) {
                sb_printf(&doc, "\"type\":\"%s\"", type);
                sep = ",";
            }
            if (life[0]) {
                sb_printf(&doc, "%s\"lifecycle\":\"%s\"", sep, life);
                sep = ",";
            }
            for (int x = 0; x < nr; x++) {
                const char *field = strcmp(rl[x].type, "ownedBy") == 0 ? "owner"
                                    : strcmp(rl[x].type, "childOf") == 0 ? "parent"
                                    : strcmp(rl[x].type, "partOf") == 0 ? (strcmp(kind, "System") == 0 ? "domain" : "system")
                                    : NULL;
                if (field)
                    sb_printf(&doc, "%s\"%s\":\"%s\"", sep, field, rl[x].target);
                else
                    sb_printf(&doc, "%s\"%s\":[\"%s\"]", sep,
                              strcmp(rl[x].type, "dependsOn") == 0 ? "dependsOn" : "providesApis", rl[x].target);
                sep = ",";
            }
            if (strcmp(kind, "API") == 0)
                sb_printf(&doc, "%s\"definition\":\"openapi: 3.0.0\"", sep);
            if (strcmp(kind, "Resource") == 0 && !life[0])
                (void)0;
            sb_printf(&doc, "}}");
            if (doc.oom)
                goto out;
            long long id = base + i;
            const char *own = owner[0] ? arena_printf(&a, "'%s'", owner) : "NULL";
            const char *tm = team[0] ? arena_printf(&a, "'%s'", team) : "NULL";
            sb_printf(&ents, "%s(%lld,'%s','%s','seed','%s','%s','%s','%s','%s',%s,%s,'%s','%s')", i == at ? "" : ",", id, ref,
                      kind, name, title, desc, type, life, own, tm, tags, doc.s);
            free(doc.s);
            const char *tl[CATALOG_TERMS_MAX];
            size_t nt = 0;
            catalog_terms(name, &a, tl, &nt, CATALOG_TERMS_MAX);
            catalog_terms(title, &a, tl, &nt, CATALOG_TERMS_MAX);
            catalog_terms(desc, &a, tl, &nt, CATALOG_TERMS_MAX);
            catalog_terms(tags, &a, tl, &nt, CATALOG_TERMS_MAX);
            /* the rows search reads (lib/catalog_store.c writes them the same way) */
            for (size_t x = 0; x < nt; x++) {
                sb_printf(&terms, "%s('%s',%lld,'%s','%s','%s',%s,%s,'seed','%s','%s')", first_term ? "" : ",", tl[x], id,
                          kind, type, life, own, tm, ref, tags);
                first_term = false;
            }
            char tag[2][32];
            int ntag = tags[0] ? sscanf(tags, "%31s %31s", tag[0], tag[1]) : 0;
            for (int x = 0; x < ntag; x++) {
                sb_printf(&tagrows, "%s('%s',%lld,'%s','%s','%s',%s,%s,'seed','%s','%s')", first_tag ? "" : ",", tag[x], id,
                          kind, type, life, own, tm, ref, tags);
                first_tag = false;
            }
            for (int x = 0; x < nr; x++) {
                sb_printf(&rels, "%s('%s','%s','%s',%lld),('%s','%s','%s',%lld)", first_rel ? "" : ",", ref, rl[x].type,
                          rl[x].target, id, rl[x].target, rl[x].inverse, ref, id);
                first_rel = false;
                nrel++;
            }
        }
        if (ents.oom || rels.oom || terms.oom || tagrows.oom) {
            problem_set(&p, 500, "internal", "out of memory");
            goto out;
        }
        if (db_begin(db, &p) < 0 || db_exec_script(db, ents.s, &p) < 0 ||
            (!first_rel && db_exec_script(db, rels.s, &p) < 0) || (!first_term && db_exec_script(db, terms.s, &p) < 0) ||
            (!first_tag && db_exec_script(db, tagrows.s, &p) < 0) ||
            db_commit(db, &p) < 0)
            goto out;
        if ((at / BATCH) % 10 == 9)
            fprintf(stderr, "  %ld entities\n", at + BATCH);
    }
    if (db_begin(db, &p) < 0)
        goto out;
    struct audit_event ev = { 0 };
    ev.actor_type = "admin-tool";
    ev.actor_name = "portico-admin";
    ev.action = "catalog.seed";
    ev.outcome = "success";
    ev.target_type = "namespace";
    ev.target_id = "seed";
    char details[128];
    snprintf(details, sizeof(details), "{\"entities\":%ld,\"relations\":%ld}", n, nrel);
    ev.details = details;
    if (audit_commit(db, &a, &ev, &p) < 0)
        goto out;
    purge_wait(db, &a);
    printf("seeded %ld entities and %ld relations (each stored both ways) in namespace seed\n", n, nrel);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "portico-admin seed: %s%s%s\n", p.detail[0] ? p.detail : "failed", p.internal[0] ? ": " : "",
                p.internal);
    if (db && db_in_transaction(db))
        db_abort(db);
    free(ents.s);
    free(rels.s);
    free(terms.s);
    free(tagrows.s);
    db_free(db);
    arena_free(&a);
    return rc;
}
