/* cicd_report: JUnit XML and SARIF 2.1.0 read into counts and findings (cicd_report.h). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cicd_report.h"
#include "utf8.h"

/* At most max bytes of s, cut where a character starts, control characters (but tab and line
 * breaks) and ill-formed bytes as '?', spaces at the ends dropped. In the arena. */
static const char *kept_text(struct arena *a, const char *s, size_t max)
{
    if (!s)
        return "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    char *out = arena_alloc(a, (n < max ? n : max) + 1), *o = out;
    if (!out)
        return "";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i);
        if (k == 0) {
            k = 1;
            if ((size_t)(o - out) + 1 > max)
                break;
            *o++ = '?';
        } else {
            if ((size_t)(o - out) + k > max)
                break;
            if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f) && u[i] != '\t' && u[i] != '\n')
                *o++ = u[i] == '\r' ? '\n' : '?';
            else
                memcpy(o, u + i, k), o += k;
        }
        i += k;
    }
    while (o > out && (o[-1] == ' ' || o[-1] == '\t' || o[-1] == '\n'))
        o--;
    *o = '\0';
    return out;
}

/* ---- JUnit ------------------------------------------------------------------------------------- */

struct junit_walk {
    struct arena *a;
    struct cicd_tests *t;
    const char *why;
};

static const char *attr(struct arena *a, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    const char *s = v ? kept_text(a, (const char *)v, CICD_NAME_MAX) : NULL;
    xmlFree(v);
    return s;
}

static bool named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static void junit_case(struct junit_walk *w, xmlNodePtr tc, const char *suite)
{
    struct cicd_tests *t = w->t;
    const char *kind = NULL;
    xmlNodePtr why = NULL;
    bool skipped = false;
    for (xmlNodePtr k = tc->children; k; k = k->next) {
        if (named(k, "failure") || named(k, "error")) {
            if (!kind || named(k, "error"))   /* an error outranks a failure */
                kind = named(k, "error") ? "error" : "failure", why = k;   /* not the name: the document's */
        } else if (named(k, "skipped")) {
            skipped = true;
        }
    }
    t->tests++;
    const char *time = attr(w->a, tc, "time");
    double secs = time ? strtod(time, NULL) : 0;
    if (secs > 0 && secs < 1e9)
        t->duration_ms += (long long)(secs * 1000.0 + 0.5);
    if (!kind) {
        t->skipped += skipped;
        return;
    }
    if (strcmp(kind, "error") == 0)
        t->errors++;
    else
        t->failures++;
    if (t->nfailed >= CICD_FAILED_MAX)
        return;
    struct cicd_failed_test *f = &t->failed[t->nfailed++];
    f->suite = suite ? suite : "";
    f->classname = attr(w->a, tc, "classname");
    f->name = attr(w->a, tc, "name");
    f->kind = kind;
    xmlChar *msg = xmlGetProp(why, (const xmlChar *)"message");
    if (!msg || !*msg) {   /* no message: the text's first lines */
        xmlFree(msg);
        msg = xmlNodeGetContent(why);
    }
    f->message = kept_text(w->a, (const char *)msg, CICD_TEXT_MAX);
    xmlFree(msg);
    if (!f->classname)
        f->classname = "";
    if (!f->name)
        f->name = "";
}

static void junit_suite(struct junit_walk *w, xmlNodePtr s, int depth)
{
    if (depth > 32) {
        w->why = "suites nested more than 32 deep";
        return;
    }
    const char *name = named(s, "testsuite") ? attr(w->a, s, "name") : NULL;
    for (xmlNodePtr k = s->children; k && !w->why; k = k->next) {
        if (named(k, "testsuite") || named(k, "testsuites"))
            junit_suite(w, k, depth + 1);
        else if (named(k, "testcase")) {
            if (w->t->tests >= CICD_TESTS_MAX)
                w->why = "more than 1,000,000 test cases";
            else
                junit_case(w, k, name);
        }
    }
}

int cicd_junit_read(const char *xml, size_t len, struct arena *a, struct cicd_tests *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (len > CICD_REPORT_MAX_BYTES || len > (size_t)0x7fffffff) {
        *why = "the report is too large";
        return -1;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        *why = "out of memory";
        return -1;
    }
    /* read as UTF-8 whatever the declaration says (a UTF-7 one would hide a DOCTYPE from any
     * look at the bytes), nothing fetched; a document with a DTD is refused once read, so that no
     * entity it declares is used, while a DOCTYPE inside a CDATA section (a page a test printed)
     * is text as it should be */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "junit.xml", "UTF-8",
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    xmlFreeParserCtxt(ctxt);
    if (!doc) {
        *why = "not well-formed XML";
        return -1;
    }
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        *why = "a test report has no DOCTYPE and declares no entities";
        return -1;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    struct junit_walk w = { a, out, NULL };
    if (!root || !(named(root, "testsuites") || named(root, "testsuite")))
        w.why = "the root is not <testsuites> or <testsuite>";
    else
        junit_suite(&w, root, 0);
    xmlFreeDoc(doc);
    if (w.why) {
        *why = w.why;
        return -1;
    }
    return 0;
}

/* ---- SARIF ------------------------------------------------------------------------------------- */

const char *cicd_severity(const char *security_severity, const char *level)
{
    if (security_severity && *security_severity) {
        char *end;
        double s = strtod(security_severity, &end);
        if (end != security_severity && s >= 0 && s <= 10)
            return s >= 9.0 ? "critical" : s >= 7.0 ? "high" : s >= 4.0 ? "medium" : "low";
    }
    if (level && strcmp(level, "error") == 0)
        return "high";
    if (!level || strcmp(level, "warning") == 0)
        return "medium";
    return "low";
}

static json_object *member(json_object *o, const char *name, json_type type)
{
    json_object *v;
    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, name, &v) &&
           json_object_is_type(v, type) ? v : NULL;
}

static const char *str_member(json_object *o, const char *name)
{
    json_object *v = member(o, name, json_type_string);
    return v ? json_object_get_string(v) : NULL;
}

/* A rule's security-severity: a string ("9.8") as GitHub writes it, or a number. */
static const char *security_severity(struct arena *a, json_object *rule)
{
    json_object *props = member(rule, "properties", json_type_object), *v;
    if (!props || !json_object_object_get_ex(props, "security-severity", &v))
        return NULL;
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
        return arena_printf(a, "%.1f", json_object_get_double(v));
    return NULL;
}

static json_object *rule_of(json_object *rules, json_object *result, const char *rule_id)
{
    json_object *idx = member(result, "ruleIndex", json_type_int);
    size_t n = rules ? json_object_array_length(rules) : 0;
    if (idx) {
        int64_t i = json_object_get_int64(idx);
        if (i >= 0 && (size_t)i < n)
            return json_object_array_get_idx(rules, (size_t)i);
    }
    for (size_t i = 0; rule_id && i < n; i++) {
        const char *id = str_member(json_object_array_get_idx(rules, i), "id");
        if (id && strcmp(id, rule_id) == 0)
            return json_object_array_get_idx(rules, i);
    }
    return NULL;
}

/* Hash an object's members in key order (a tool may write them in any order). */
static void hash_members(crypto_hash_sha256_state *st, json_object *o)
{
    const char *keys[64];
    size_t k = 0;
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (k < 64)
            keys[k++] = key;
    }
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1], keys[j - 1] = t;
        }
    for (size_t i = 0; i < k; i++) {
        json_object *v;
        json_object_object_get_ex(o, keys[i], &v);
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        crypto_hash_sha256_update(st, (const unsigned char *)keys[i], strlen(keys[i]) + 1);
        crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s) + 1);
    }
}

static void fingerprint(struct cicd_finding *f, json_object *result, const char *raw_message)
{
    crypto_hash_sha256_state st;
    unsigned char dg[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)f->tool, strlen(f->tool) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)f->rule, strlen(f->rule) + 1);
    json_object *fp = member(result, "fingerprints", json_type_object);
    if (!fp || json_object_object_length(fp) == 0)
        fp = member(result, "partialFingerprints", json_type_object);
    if (fp && json_object_object_length(fp) > 0) {
        crypto_hash_sha256_update(&st, (const unsigned char *)"f", 2);
        hash_members(&st, fp);
    } else {
        char line[24];
        snprintf(line, sizeof(line), "%ld", f->line);
        crypto_hash_sha256_update(&st, (const unsigned char *)f->uri, strlen(f->uri) + 1);
        crypto_hash_sha256_update(&st, (const unsigned char *)line, strlen(line) + 1);
        crypto_hash_sha256_update(&st, (const unsigned char *)raw_message, strlen(raw_message) + 1);
    }
    crypto_hash_sha256_final(&st, dg);
    sodium_bin2hex(f->fingerprint, sizeof(f->fingerprint), dg, sizeof(dg));
}

static int sarif_result(struct arena *a, struct cicd_finding *f, const char *tool, json_object *rules, json_object *result)
{
    const char *rule_id = str_member(result, "ruleId");
    json_object *rule = rule_of(rules, result, rule_id);
    if (!rule_id)
        rule_id = str_member(rule, "id");
    const char *level = str_member(result, "level");
    if (!level)
        level = str_member(member(rule, "defaultConfiguration", json_type_object), "level");
    const char *text = str_member(member(result, "message", json_type_object), "text");
    if (!text)
        text = "";
    f->tool = tool;
    f->rule = kept_text(a, rule_id ? rule_id : "", CICD_NAME_MAX);
    f->severity = cicd_severity(security_severity(a, rule), level);
    f->message = kept_text(a, text, CICD_TEXT_MAX);
    json_object *locs = member(result, "locations", json_type_array);
    json_object *phys = member(locs && json_object_array_length(locs) ? json_object_array_get_idx(locs, 0) : NULL,
                               "physicalLocation", json_type_object);
    f->uri = kept_text(a, str_member(member(phys, "artifactLocation", json_type_object), "uri"), CICD_NAME_MAX);
    json_object *start = member(member(phys, "region", json_type_object), "startLine", json_type_int);
    int64_t line = start ? json_object_get_int64(start) : 0;
    f->line = line > 0 && line < 100000000 ? (long)line : 0;
    fingerprint(f, result, text);
    return 0;
}

int cicd_sarif_read(json_object *log, struct arena *a, struct cicd_findings *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    const char *version = str_member(log, "version");
    json_object *runs = member(log, "runs", json_type_array);
    if (!version || strcmp(version, "2.1.0") != 0) {
        *why = "not a SARIF 2.1.0 log (version)";
        return -1;
    }
    if (!runs) {
        *why = "a SARIF log has runs";
        return -1;
    }
    size_t nruns = json_object_array_length(runs), total = 0;
    if (nruns > CICD_TOOLS_MAX) {
        *why = "more than 16 runs in one log";
        return -1;
    }
    for (size_t r = 0; r < nruns; r++) {
        json_object *results = member(json_object_array_get_idx(runs, r), "results", json_type_array);
        total += results ? json_object_array_length(results) : 0;
    }
    if (total > CICD_FINDINGS_MAX) {
        *why = "more than 5,000 results in one log";
        return -1;
    }
    out->items = arena_alloc(a, (total ? total : 1) * sizeof(*out->items));
    if (!out->items) {
        *why = "out of memory";
        return -1;
    }
    for (size_t r = 0; r < nruns; r++) {
        json_object *run = json_object_array_get_idx(runs, r);
        json_object *driver = member(member(run, "tool", json_type_object), "driver", json_type_object);
        const char *name = str_member(driver, "name");
        if (!name || !*name) {
            *why = arena_printf(a, "runs/%zu has no tool.driver.name", r);
            return -1;
        }
        /* the tool: its name, and the analysis when the log names one (CodeQL's per language) */
        const char *analysis = str_member(member(run, "automationDetails", json_type_object), "id");
        const char *tool = kept_text(a, analysis && *analysis ? arena_printf(a, "%s/%s", name, analysis) : name, 100);
        json_object *rules = member(driver, "rules", json_type_array);
        json_object *results = member(run, "results", json_type_array);
        /* a run without results did not run (SARIF: absent or null results): it fixes nothing;
         * an empty list is one that found nothing */
        bool seen = !results;
        for (size_t t = 0; t < out->ntools && !seen; t++)
            seen = strcmp(out->tools[t], tool) == 0;
        if (!seen)
            out->tools[out->ntools++] = tool;
        for (size_t i = 0; results && i < json_object_array_length(results); i++) {
            json_object *res = json_object_array_get_idx(results, i);
            if (!json_object_is_type(res, json_type_object)) {
                *why = arena_printf(a, "runs/%zu/results/%zu is not an object", r, i);
                return -1;
            }
            sarif_result(a, &out->items[out->n], tool, rules, res);
            /* the same finding twice in one log (two locations of one alert): once */
            bool dup = false;
            for (size_t k = 0; k < out->n && !dup; k++)
                dup = strcmp(out->items[k].fingerprint, out->items[out->n].fingerprint) == 0;
            if (!dup)
                out->n++;
        }
    }
    return 0;
}
