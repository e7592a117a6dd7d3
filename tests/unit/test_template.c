/*
 * template: a complete template reads as written; malformed XML is 400 with its line; a DOCTYPE
 * ("billion laughs", external entities) is refused before parsing; schema violations and the
 * checks beyond the schema are 422 with where; each scan rule has an example that fails it and
 * the clean template passes; placeholders render through the driver's escaping.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "lib/template.h"
#include "lib/template_examples.h"
#include "tests/unit/suites.h"

#define HEAD "<?xml version=\"1.0\"?>\n<template xmlns=\"urn:portico:template:1\" name=\"db\" version=\"1.2.0\">\n"

static const char good[] =
    HEAD
    "  <title>MariaDB database</title>\n"
    "  <description>A database and its user.</description>\n"
    "  <owner team=\"platform\"/>\n"
    "  <tags><tag>database</tag><tag>mariadb</tag></tags>\n"
    "  <parameters>\n"
    "    <parameter name=\"db_name\" type=\"string\" required=\"true\" pattern=\"[a-z][a-z0-9_]{2,30}\">\n"
    "      <label>Database name</label><help>Lower-case letters, digits and _.</help>\n"
    "    </parameter>\n"
    "    <parameter name=\"size\" type=\"enum\" default=\"small\"><choice>small</choice><choice>large</choice></parameter>\n"
    "    <parameter name=\"replicas\" type=\"integer\" min=\"1\" max=\"5\" default=\"1\"/>\n"
    "    <parameter name=\"api_key\" type=\"secret-ref\" pattern=\"team/[a-z0-9/_-]+\"/>\n"
    "  </parameters>\n"
    "  <policy>\n"
    "    <environments><environment>dev</environment><environment>prod</environment></environments>\n"
    "    <requesters role=\"developer\"/>\n"
    "    <approvals environment=\"prod\" count=\"2\" role=\"maintainer\"/>\n"
    "    <ttl default-days=\"7\" max-days=\"30\"/>\n"
    "  </policy>\n"
    "  <steps>\n"
    "    <step name=\"create\" driver=\"mariadb_database\"><arg name=\"database\">{{db_name}}</arg></step>\n"
    "    <step name=\"tune\" driver=\"exec\" timeout-seconds=\"60\"><program>/usr/local/bin/tune</program>\n"
    "      <argv><item>--db={{db_name}}</item><item>--size={{size}}</item><item>{{replicas}}</item></argv></step>\n"
    "    <step name=\"tell\" driver=\"webhook\"><arg name=\"url\">https://hooks.example.com/db</arg></step>\n"
    "  </steps>\n"
    "  <outputs>\n"
    "    <output name=\"host\" from=\"create.host\"/>\n"
    "    <output name=\"password\" from=\"create.password\" secret=\"true\"/>\n"
    "  </outputs>\n"
    "  <deprovision><step name=\"drop\" driver=\"mariadb_database\"><arg name=\"database\">{{db_name}}</arg></step></deprovision>\n"
    "</template>\n";

static struct arena a;

static int setup(void)
{
    arena_init(&a, 0);
    return 0;
}

static int teardown(void)
{
    arena_free(&a);
    return 0;
}

static int parse(const char *xml, struct template *t, struct problem *p)
{
    problem_init(p);
    return template_parse(xml, strlen(xml), &a, t, p);
}

static bool has_field(const struct problem *p, const char *field, const char *words)
{
    for (size_t i = 0; i < p->nfields; i++)
        if (strstr(p->fields[i].field, field) && (!words || strstr(p->fields[i].message, words)))
            return true;
    fprintf(stderr, "\n    no field %s (%s) among %zu:", field, words ? words : "", p->nfields);
    for (size_t i = 0; i < p->nfields; i++)
        fprintf(stderr, "\n      %s: %s", p->fields[i].field, p->fields[i].message);
    return false;
}

static void test_reads_a_complete_template(void)
{
    static struct template t;
    struct problem p;
    CU_ASSERT_EQUAL_FATAL(parse(good, &t, &p), 0);
    CU_ASSERT_STRING_EQUAL(t.name, "db");
    CU_ASSERT_STRING_EQUAL(t.version, "1.2.0");
    CU_ASSERT_STRING_EQUAL(t.title, "MariaDB database");
    CU_ASSERT_STRING_EQUAL(t.owner_team, "platform");
    CU_ASSERT_EQUAL(t.ntags, 2);
    CU_ASSERT_EQUAL_FATAL(t.nparams, 4);
    CU_ASSERT_EQUAL(t.params[0].type, TPARAM_STRING);
    CU_ASSERT_TRUE(t.params[0].required);
    CU_ASSERT_STRING_EQUAL(t.params[0].label, "Database name");
    CU_ASSERT_EQUAL(t.params[1].type, TPARAM_ENUM);
    CU_ASSERT_EQUAL(t.params[1].nchoices, 2);
    CU_ASSERT_STRING_EQUAL(t.params[1].def, "small");
    CU_ASSERT_TRUE(t.params[2].has_min && t.params[2].min == 1 && t.params[2].max == 5);
    CU_ASSERT_EQUAL(t.params[3].type, TPARAM_SECRET_REF);
    CU_ASSERT_EQUAL(t.nenvironments, 2);
    CU_ASSERT_STRING_EQUAL(t.requester_role, "developer");
    CU_ASSERT_EQUAL_FATAL(t.napprovals, 1);
    CU_ASSERT_EQUAL(t.approvals[0].count, 2);
    CU_ASSERT_STRING_EQUAL(t.approvals[0].role, "maintainer");
    CU_ASSERT_EQUAL(t.ttl_default_days, 7);
    CU_ASSERT_EQUAL(t.ttl_max_days, 30);
    CU_ASSERT_EQUAL_FATAL(t.nsteps, 3);
    CU_ASSERT_STRING_EQUAL(t.steps[0].args[0].name, "database");
    CU_ASSERT_STRING_EQUAL(t.steps[0].args[0].value, "{{db_name}}");
    CU_ASSERT_STRING_EQUAL(t.steps[1].program, "/usr/local/bin/tune");
    CU_ASSERT_EQUAL(t.steps[1].nargv, 3);
    CU_ASSERT_EQUAL(t.steps[1].timeout_seconds, 60);
    CU_ASSERT_EQUAL(t.ndeprovision, 1);
    CU_ASSERT_EQUAL_FATAL(t.noutputs, 2);
    CU_ASSERT_STRING_EQUAL(t.outputs[1].step, "create");
    CU_ASSERT_STRING_EQUAL(t.outputs[1].field, "password");
    CU_ASSERT_TRUE(t.outputs[1].secret);
    /* and it passes the scan */
    json_object *report = json_object_new_array();
    CU_ASSERT_EQUAL(template_scan(&t, false, report), 0);
    json_object_put(report);
}

static void test_malformed_and_entities_refused(void)
{
    static struct template t;
    struct problem p;
    CU_ASSERT_EQUAL(parse(HEAD "<title>x</title>\n<owner team=\"a\">\n</template>\n", &t, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, "XML line 6, column 1"));   /* where the document ended unclosed */
    static const char laughs[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;\">]>\n"
        "<template xmlns=\"urn:portico:template:1\" name=\"x\" version=\"1.0.0\"><title>&lol2;</title></template>\n";
    CU_ASSERT_EQUAL(parse(laughs, &t, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, "DOCTYPE"));
    static const char external[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        "<template xmlns=\"urn:portico:template:1\" name=\"x\" version=\"1.0.0\"><title>&x;</title></template>\n";
    CU_ASSERT_EQUAL(parse(external, &t, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    /* an undeclared entity is not expanded either: not well-formed */
    CU_ASSERT_EQUAL(parse(HEAD "<title>&x;</title></template>\n", &t, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
}

static void test_schema_and_checks(void)
{
    static struct template t;
    struct problem p;
    /* no steps, an unknown element, a bad version */
    CU_ASSERT_EQUAL(parse("<template xmlns=\"urn:portico:template:1\" name=\"x\" version=\"one\"><title>x</title>"
                          "<owner team=\"a\"/><colour>red</colour></template>", &t, &p), -1);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT_TRUE(p.nfields >= 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.fields[0].message, "line 1"));
    /* the wrong namespace */
    CU_ASSERT_EQUAL(parse("<template name=\"x\" version=\"1.0.0\"/>", &t, &p), -1);
    CU_ASSERT_EQUAL(p.status, 422);
    /* beyond the schema: an unknown placeholder, an output of no step, a broken pattern, min over
     * max, an enum without choices, a repeated step name, ttl default over max */
    static const char bad[] =
        HEAD "<title>x</title><owner team=\"a\"/>\n"
        "<parameters><parameter name=\"p\" type=\"string\" pattern=\"[a-\"/>"
        "<parameter name=\"n\" type=\"integer\" min=\"5\" max=\"1\"/><parameter name=\"e\" type=\"enum\"/></parameters>\n"
        "<policy><ttl default-days=\"40\" max-days=\"30\"/></policy>\n"
        "<steps><step name=\"s\" driver=\"git_repository\"><arg name=\"name\">{{nope}}</arg></step>"
        "<step name=\"s\" driver=\"git_repository\"/></steps>\n"
        "<outputs><output name=\"o\" from=\"ghost.url\"/></outputs></template>\n";
    CU_ASSERT_EQUAL(parse(bad, &t, &p), -1);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT_TRUE(has_field(&p, "steps/0/args/name", "{{nope}}"));
    CU_ASSERT_TRUE(has_field(&p, "steps/1/name", "repeats"));
    CU_ASSERT_TRUE(has_field(&p, "outputs/0/from", "ghost"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/0/pattern", "regular expression"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/1/min", NULL));
    CU_ASSERT_TRUE(has_field(&p, "parameters/2", "choices"));
    CU_ASSERT_TRUE(has_field(&p, "policy/ttl", NULL));
    /* one parameter names the resource, and not a secret reference */
    static const char names[] =
        HEAD "<title>x</title><owner team=\"a\"/>\n"
        "<parameters><parameter name=\"a\" type=\"string\" names-resource=\"true\"/>"
        "<parameter name=\"b\" type=\"enum\" names-resource=\"true\"><choice>x</choice></parameter>"
        "<parameter name=\"c\" type=\"secret-ref\" names-resource=\"true\"/></parameters>\n"
        "<steps><step name=\"s\" driver=\"noop\"/></steps></template>\n";
    CU_ASSERT_EQUAL(parse(names, &t, &p), -1);
    CU_ASSERT_TRUE(has_field(&p, "parameters/1/names-resource", "one does"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/2/names-resource", "not a secret reference"));
    /* a pattern whose repetitions would make the regex compiler take gigabytes (fuzz_template) */
    static const char heavy[] =
        HEAD "<title>x</title><owner team=\"a\"/>\n"
        "<parameters><parameter name=\"p\" type=\"string\" pattern=\"((a{200}){200}){200}\"/>"
        "<parameter name=\"r\" type=\"string\" pattern=\"team/[a-z]+++++++++++\"/>"
        "<parameter name=\"q\" type=\"string\" pattern=\"[a-z]{2,30}-[0-9+*]{1,8}(\\\\.[a-z]+)?\"/></parameters>\n"
        "<steps><step name=\"s\" driver=\"git_repository\"/></steps></template>\n";
    CU_ASSERT_EQUAL(parse(heavy, &t, &p), -1);
    CU_ASSERT_TRUE(has_field(&p, "parameters/0/pattern", "repeats too much"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/1/pattern", "repeats too much"));
    CU_ASSERT_EQUAL(p.nfields, 2);   /* the ordinary one passes */
}

/* The scan: a template with one change from the clean one, and the rule it must trip. */
static void scan_trips(const char *from, const char *to, bool trusted, const char *rule)
{
    static char xml[8192];
    static struct template t;
    struct problem p;
    const char *at = strstr(good, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(xml, sizeof(xml), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    CU_ASSERT_EQUAL_FATAL(parse(xml, &t, &p), 0);
    json_object *report = json_object_new_array();
    size_t n = template_scan(&t, trusted, report);
    bool found = false;
    for (size_t i = 0; i < json_object_array_length(report); i++) {
        json_object *r;
        json_object_object_get_ex(json_object_array_get_idx(report, i), "rule", &r);
        found |= strcmp(json_object_get_string(r), rule) == 0;
    }
    if (!found)
        fprintf(stderr, "\n    %s not found: %s\n", rule, json_object_to_json_string(report));
    CU_ASSERT_TRUE(found);
    CU_ASSERT_TRUE(n >= 1);
    json_object_put(report);
}

static void test_scan_rules(void)
{
    scan_trips("driver=\"webhook\"", "driver=\"teleport\"", false, "unknown-driver");
    scan_trips("<program>/usr/local/bin/tune</program>", "<program>/bin/sh</program>", false, "exec-shell");
    scan_trips("<program>/usr/local/bin/tune</program>\n      <argv>", "<program>/usr/bin/env</program>\n      <argv><item>bash</item>",
               false, "exec-shell");
    scan_trips("pattern=\"[a-z][a-z0-9_]{2,30}\"", "", false, "exec-unchecked-parameter");
    /* where a webhook connects is the template's: no placeholder in scheme, userinfo, host or port */
    scan_trips("https://hooks.example.com/db", "http://127.0.0.1:{{replicas}}/{{db_name}}", false, "webhook-url-placeholder");
    scan_trips("https://hooks.example.com/db", "https://{{db_name}}.example.com/db", false, "webhook-url-placeholder");
    scan_trips("https://hooks.example.com/db", "https://hooks.example.com:{{replicas}}", false, "webhook-url-placeholder");
    scan_trips("https://hooks.example.com/db", "https://{{db_name}}@hooks.example.com/db", false, "webhook-url-placeholder");
    scan_trips("https://hooks.example.com/db", "{{db_name}}", false, "webhook-url-placeholder");
    scan_trips("<output name=\"password\" from=\"create.password\" secret=\"true\"/>",
               "<output name=\"password\" from=\"create.password\"/>", false, "secret-to-plain-output");
}

/* An exec step running /usr/bin/env with these argv items: does the scan say it runs a shell? */
static bool env_step_is_shell(const char *items)
{
    static char xml[8192];
    static struct template t;
    struct problem p;
    const char *from = "<program>/usr/local/bin/tune</program>\n      <argv>";
    const char *at = strstr(good, from), *end = strstr(at, "</argv>");
    snprintf(xml, sizeof(xml), "%.*s<program>/usr/bin/env</program>\n      <argv>%s%s", (int)(at - good), good, items, end);
    if (parse(xml, &t, &p) != 0) {
        fprintf(stderr, "\n    does not parse: %s\n", items);
        return false;
    }
    json_object *report = json_object_new_array();
    template_scan(&t, false, report);
    bool shell = strstr(json_object_to_json_string(report), "exec-shell") != NULL;
    json_object_put(report);
    return shell;
}

static void test_scan_env_runs_a_shell(void)
{
    static const char *const shells[] = {
        "<item>-i</item><item>/bin/sh</item><item>-c</item><item>id</item>",
        "<item>-u</item><item>HOME</item><item>sh</item>",
        "<item>-uHOME</item><item>bash</item>",
        "<item>--unset=HOME</item><item>dash</item>",
        "<item>--unset</item><item>HOME</item><item>dash</item>",
        "<item>-iu</item><item>HOME</item><item>sh</item>",
        "<item>-C</item><item>/tmp</item><item>sh</item>",
        "<item>--chdir=/tmp</item><item>sh</item>",
        "<item>--</item><item>sh</item>",
        "<item>-</item><item>sh</item>",
        "<item>A=1</item><item>B=2</item><item>/usr/bin/zsh</item>",
        "<item>-i</item><item>A=1</item><item>env</item><item>-i</item><item>sh</item>",
        "<item>-S</item><item>sh -c 'id'</item>",
        "<item>-Ssh -c id</item>",
        "<item>--split-string=-i A=1 /bin/sh -c id</item>",
        "<item>--split=bash -c id</item>",
        "<item>-S</item><item>-u HOME</item><item>sh</item>",
        "<item>-S</item><item>\"/bin/sh\" -c id</item>",
        "<item>--ignore-environment</item><item>--debug</item><item>sh</item>",
        "<item>--block-signal</item><item>sh</item>",
        "<item>--frobnicate</item><item>tool</item>",   /* an option env does not have: cannot tell */
        "<item>-x</item><item>tool</item>",
        "<item>{{size}}</item>",                        /* the requester names the program */
    };
    for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
        bool shell = env_step_is_shell(shells[i]);
        if (!shell)
            fprintf(stderr, "\n    env %s: not seen as a shell\n", shells[i]);
        CU_ASSERT_TRUE(shell);
    }
    static const char *const tools[] = {
        "<item>-i</item><item>/usr/local/bin/tune</item><item>sh</item>",
        "<item>-u</item><item>sh</item><item>tune</item>",   /* sh is the name unset */
        "<item>-C</item><item>/bin/sh</item><item>tune</item>",
        "<item>SHELL=/bin/sh</item><item>tune</item><item>-c</item><item>sh</item>",
        "<item>-S</item><item>tune --shell sh</item>",
        "<item>-i</item>",                                    /* prints the environment */
    };
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        bool shell = env_step_is_shell(tools[i]);
        if (shell)
            fprintf(stderr, "\n    env %s: seen as a shell\n", tools[i]);
        CU_ASSERT_FALSE(shell);
    }
}

static void test_scan_secret_through_exec_and_trust(void)
{
    /* a secret reference passed to an exec step makes that step's outputs secret */
    static char xml[8192];
    static struct template t;
    struct problem p;
    const char *from = "<output name=\"host\" from=\"create.host\"/>";
    const char *at = strstr(good, from);
    snprintf(xml, sizeof(xml), "%.*s<output name=\"token\" from=\"tune.token\"/>%s", (int)(at - good), good, at + strlen(from));
    char *item = strstr(xml, "<item>{{replicas}}</item>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(item);
    memcpy(item, "<item>{{api_key}}", 17);
    memmove(item + 17, item + 18, strlen(item + 18) + 1);   /* "{{replicas}}" -> "{{api_key}}" */
    CU_ASSERT_EQUAL_FATAL(parse(xml, &t, &p), 0);
    json_object *report = json_object_new_array();
    CU_ASSERT_EQUAL(template_scan(&t, false, report), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(report), "secret-to-plain-output"));
    json_object_put(report);
    /* a shell, trusted by an administrator: allowed */
    const char *prog = strstr(good, "/usr/local/bin/tune");
    snprintf(xml, sizeof(xml), "%.*s/bin/bash%s", (int)(prog - good), good, prog + strlen("/usr/local/bin/tune"));
    CU_ASSERT_EQUAL_FATAL(parse(xml, &t, &p), 0);
    report = json_object_new_array();
    CU_ASSERT_EQUAL(template_scan(&t, true, report), 0);
    CU_ASSERT_EQUAL(template_scan(&t, false, report), 1);
    json_object_put(report);
    /* a webhook over http: only loopback */
    const char *url = strstr(good, "https://hooks.example.com/db");
    const char *urls[] = { "http://hooks.example.com/db", "http://127.0.0.1:8080/hook", "http://localhost.evil.com/x",
                           "https://hooks.example.com/db/{{db_name}}?size={{size}}#{{replicas}}" };
    const size_t want[] = { 1, 0, 1, 0 };
    for (size_t i = 0; i < 4; i++) {
        snprintf(xml, sizeof(xml), "%.*s%s%s", (int)(url - good), good, urls[i], url + strlen("https://hooks.example.com/db"));
        CU_ASSERT_EQUAL_FATAL(parse(xml, &t, &p), 0);
        report = json_object_new_array();
        CU_ASSERT_EQUAL(template_scan(&t, false, report), want[i]);
        json_object_put(report);
    }
}

static void test_request_values(void)
{
    static struct template t;
    struct problem p;
    json_object *out;
    CU_ASSERT_EQUAL_FATAL(parse(good, &t, &p), 0);
    /* defaults filled, integers from text or numbers, a secret path checked as a path */
    json_object *in = json_tokener_parse("{\"db_name\":\"orders\",\"replicas\":\"3\",\"api_key\":\"team/pay/stripe\"}");
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(template_values(&t, in, &a, &out, &p), 0);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                           "{\"db_name\":\"orders\",\"size\":\"small\",\"replicas\":3,\"api_key\":\"team/pay/stripe\"}");
    json_object_put(out);
    json_object_put(in);
    /* every way to be wrong, each at its field */
    in = json_tokener_parse("{\"db_name\":\"Orders!\",\"size\":\"huge\",\"replicas\":9,\"api_key\":\"nowhere\","
                            "\"colour\":\"red\"}");
    problem_init(&p);
    CU_ASSERT_EQUAL(template_values(&t, in, &a, &out, &p), -1);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(p.status, 422);
    /* a pattern refused is said in words, never as the regular expression */
    CU_ASSERT_TRUE(has_field(&p, "parameters/db_name", "must be in the form the template asks for: Lower-case letters"));
    for (size_t i = 0; i < p.nfields; i++)
        CU_ASSERT_PTR_NULL(strstr(p.fields[i].message, "[a-z]"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/size", "choices"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/replicas", "from 1 to 5"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/api_key", NULL));
    CU_ASSERT_TRUE(has_field(&p, "parameters/colour", "not a parameter"));
    json_object_put(in);
    /* a required one missing; types refused */
    in = json_tokener_parse("{\"replicas\":\"three\",\"size\":2}");
    problem_init(&p);
    CU_ASSERT_EQUAL(template_values(&t, in, &a, &out, &p), -1);
    CU_ASSERT_TRUE(has_field(&p, "parameters/db_name", "required"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/replicas", "whole number"));
    CU_ASSERT_TRUE(has_field(&p, "parameters/size", "text"));
    json_object_put(in);
}

static const char *shell_quote(struct arena *ar, const char *v, void *ctx)
{
    (void)ctx;
    return strchr(v, '\'') ? NULL : arena_printf(ar, "'%s'", v);
}

static void test_render(void)
{
    json_object *v = json_tokener_parse("{\"db_name\":\"orders\",\"replicas\":3,\"bad\":\"it's\"}");
    const char *why = NULL;
    const char *out = template_render(&a, "--db={{db_name}} -n {{replicas}}", v, NULL, NULL, &why);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_STRING_EQUAL(out, "--db=orders -n 3");
    out = template_render(&a, "{{db_name}}", v, shell_quote, NULL, &why);
    CU_ASSERT_STRING_EQUAL(out, "'orders'");
    CU_ASSERT_PTR_NULL(template_render(&a, "{{bad}}", v, shell_quote, NULL, &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "cannot be used"));
    CU_ASSERT_PTR_NULL(template_render(&a, "{{missing}}", v, NULL, NULL, &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "missing"));
    CU_ASSERT_PTR_NULL(template_render(&a, "{{open", v, NULL, NULL, &why));
    CU_ASSERT_STRING_EQUAL(template_render(&a, "no placeholders", v, NULL, NULL, &why), "no placeholders");
    json_object_put(v);
}

/* share/templates/, as compiled in: each reads, passes the publish scan and is the team
 * platform's, with its programs' place filled in (what install-examples stores). */
static void test_shipped_examples(void)
{
    size_t n;
    const struct template_example *list = template_examples(&n);
    CU_ASSERT_EQUAL(n, 5);
    for (size_t i = 0; i < n; i++) {
        static struct template t;
        struct problem p;
        const char *xml = list[i].xml;
        for (const char *mark; (mark = strstr(xml, TEMPLATE_EXAMPLES_PROGRAMS));)   /* as install-examples fills it in */
            xml = arena_printf(&a, "%.*s/usr/libexec/portico/exec%s", (int)(mark - xml), xml, mark + strlen(TEMPLATE_EXAMPLES_PROGRAMS));
        CU_ASSERT_EQUAL_FATAL(parse(xml, &t, &p), 0);
        json_object *report = json_object_new_array();
        CU_ASSERT_EQUAL(template_scan(&t, false, report), 0);
        if (json_object_array_length(report))
            fprintf(stderr, "\n    %s: %s\n", list[i].file, json_object_to_json_string(report));
        json_object_put(report);
        CU_ASSERT_STRING_EQUAL(t.owner_team, TEMPLATE_EXAMPLES_TEAM);
        bool named = false;
        for (size_t k = 0; k < t.nparams; k++)
            named = named || t.params[k].names_resource;
        CU_ASSERT_TRUE(named);
    }
}

void suite_template(void)
{
    CU_pSuite s = CU_add_suite("template", setup, teardown);
    CU_add_test(s, "a complete template reads as written and passes the scan", test_reads_a_complete_template);
    CU_add_test(s, "malformed XML: 400 with its line; a DOCTYPE (billion laughs, external entities) refused",
                test_malformed_and_entities_refused);
    CU_add_test(s, "schema violations and the checks beyond it: 422 with where", test_schema_and_checks);
    CU_add_test(s, "scan: each rule has a template that trips it", test_scan_rules);
    CU_add_test(s, "scan: env runs what follows its options and assignments", test_scan_env_runs_a_shell);
    CU_add_test(s, "scan: a secret through exec, a trusted shell, http webhooks but loopback", test_scan_secret_through_exec_and_trust);
    CU_add_test(s, "placeholders render through the driver's escaping", test_render);
    CU_add_test(s, "a request's values: types, patterns, bounds, choices, defaults, unknown names", test_request_values);
    CU_add_test(s, "the example templates Portico ships read, pass the scan, belong to platform", test_shipped_examples);
}
