/* Reading the firmware release page (releases.h) with libxml2's HTML parser
 * and XPath: each table row that holds a version cell and a link to a .zip is
 * one release. The page is the maker's and changes shape now and then, so
 * nothing depends on column order or count: cells are recognised by what
 * they hold (doc/releases.md, "Reading the page"). */
#include "config.h"

#include "releases.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Version numbers larger than this are not versions but noise. */
#define REL_NUM_MAX 99999UL
/* A date cell is short; a longer cell is prose, whatever digits it holds. */
#define REL_DATE_WORDS_MAX 4
/* A first or last number this large in a version cell is a year. */
#define REL_YEAR_MIN 1000UL

/* ---- versions ------------------------------------------------------------ */

static int suffix_char(int c) { return isalnum(c) || c == '-' || c == '_'; }

/* Read one number of at most REL_NUM_MAX; the count of digits, 0 if none. */
static size_t read_num(const char *s, unsigned long *v)
{
    size_t i = 0;

    *v = 0;
    while (isdigit((unsigned char)s[i])) {
        if (*v <= REL_NUM_MAX)
            *v = *v * 10 + (unsigned long)(s[i] - '0');
        i++;
    }
    return i;
}

/* The length of the version at the start of s (X.Y.Z then suffix
 * characters), 0 when s does not start with one. */
static size_t version_prefix(const char *s, unsigned long n[3], size_t *suffix_at)
{
    size_t i = 0, k;
    int part;

    for (part = 0; part < 3; part++) {
        if (part > 0) {
            if (s[i] != '.')
                return 0;
            i++;
        }
        k = read_num(s + i, &n[part]);
        if (k == 0 || n[part] > REL_NUM_MAX)
            return 0;
        i += k;
    }
    *suffix_at = i;
    while (suffix_char((unsigned char)s[i]))
        i++;
    /* "1.2.3.4" is not X.Y.Z with a suffix. */
    if (s[i] == '.' && isalnum((unsigned char)s[i + 1]))
        return 0;
    return i;
}

int rel_is_version(const char *s)
{
    unsigned long n[3];
    size_t at, len = version_prefix(s, n, &at);

    return len > 0 && s[len] == '\0' && len < REL_VERSION_MAX;
}

int rel_version_cmp(const char *a, const char *b)
{
    unsigned long na[3], nb[3];
    size_t sa, sb, la = version_prefix(a, na, &sa), lb = version_prefix(b, nb, &sb);
    int i;

    if (!la || !lb)
        return la ? 1 : lb ? -1 : strcmp(a, b);
    for (i = 0; i < 3; i++)
        if (na[i] != nb[i])
            return na[i] < nb[i] ? -1 : 1;
    /* 1.13.0beta comes before 1.13.0. */
    if ((a[sa] == '\0') != (b[sb] == '\0'))
        return a[sa] == '\0' ? 1 : -1;
    return strcmp(a + sa, b + sb);
}

/* ---- text ------------------------------------------------------------------ */

/* Collapse every run of white space (and control characters, and the UTF-8
 * no-break space) to one space and trim both ends, in place. */
static void collapse(char *s)
{
    char *w = s;
    const unsigned char *r = (const unsigned char *)s;
    int space = 1; /* drop leading space */

    while (*r) {
        size_t skip = 0;
        if (*r <= 0x20 || *r == 0x7f)
            skip = 1;
        else if (r[0] == 0xc2 && r[1] == 0xa0)
            skip = 2;
        if (skip) {
            if (!space)
                *w++ = ' ';
            space = 1;
            r += skip;
            continue;
        }
        *w++ = (char)*r++;
        space = 0;
    }
    if (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/* The node's text, collapsed; malloc'd (NULL when out of memory). */
static char *node_text(xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = strdup(t ? (const char *)t : "");

    xmlFree(t);
    if (s)
        collapse(s);
    return s;
}

/* A date as the page might write it: short, a few words of digits, letters
 * and separators, with a year (four digits) or a d/m/y triple. */
static int looks_like_date(const char *s)
{
    size_t len = strlen(s), i, words = 1, run = 0;
    int year = 0, slashes = 0;

    if (len == 0 || len >= REL_DATE_MAX || !isalnum((unsigned char)s[0]))
        return 0;
    for (i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c)) {
            run++;
            continue;
        }
        if (run == 4)
            year = 1;
        run = 0;
        if (c == '\0')
            break;
        if (c == ' ')
            words++;
        else if (c == '/' || c == '-' || c == '.')
            slashes++;
        else if (!isalpha(c) && c != ',')
            return 0;
    }
    return words <= REL_DATE_WORDS_MAX && (year || slashes == 2) && !strstr(s, ".zip");
}

/* ---- rows ------------------------------------------------------------------- */

/* Growable array of strings. */
struct strv {
    char **v;
    size_t n, cap;
};

static int strv_push(struct strv *sv, char *s)
{
    if (!s)
        return -1;
    if (s[0] == '\0') {
        free(s);
        return 0;
    }
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 8;
        char **nv = realloc(sv->v, cap * sizeof *nv);
        if (!nv) {
            free(s);
            return -1;
        }
        sv->v = nv;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    return 0;
}

static void strv_free(struct strv *sv)
{
    size_t i;

    for (i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

/* Line-breaking elements: text on either side is a separate change. */
static int breaks_line(const xmlChar *name)
{
    static const char *const tags[] = { "br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4" };
    size_t i;

    for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (xmlStrcasecmp(name, (const xmlChar *)tags[i]) == 0)
            return 1;
    return 0;
}

/* Append n's text to *buf (growing it); a line break element ends the
 * current line into sv. -1 when out of memory. */
static int walk_lines(xmlNodePtr n, char **buf, size_t *len, size_t *cap, struct strv *sv)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            size_t add = n->content ? strlen((const char *)n->content) : 0;
            if (*len + add + 1 > *cap) {
                size_t nc = (*len + add + 1) * 2;
                char *nb = realloc(*buf, nc);
                if (!nb)
                    return -1;
                *buf = nb;
                *cap = nc;
            }
            memcpy(*buf + *len, n->content, add);
            *len += add;
            (*buf)[*len] = '\0';
        } else if (n->type == XML_ELEMENT_NODE) {
            int br = breaks_line(n->name);
            if (br && *len) {
                collapse(*buf);
                if (strv_push(sv, strdup(*buf)) != 0)
                    return -1;
                *len = 0;
                (*buf)[0] = '\0';
            }
            if (walk_lines(n->children, buf, len, cap, sv) != 0)
                return -1;
            if (br && *len) {
                collapse(*buf);
                if (strv_push(sv, strdup(*buf)) != 0)
                    return -1;
                *len = 0;
                (*buf)[0] = '\0';
            }
        }
    }
    return 0;
}

/* The lines of a cell, split at <br>, <p> and the like. */
static int cell_lines(xmlNodePtr cell, struct strv *sv)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = walk_lines(cell->children, &buf, &len, &cap, sv);

    if (rc == 0 && len) {
        collapse(buf);
        rc = strv_push(sv, strdup(buf));
    }
    free(buf);
    return rc;
}

/* The nodes an XPath expression selects under node (a new set to free with
 * xmlXPathFreeObject), or NULL. */
static xmlXPathObjectPtr select_under(xmlXPathContextPtr ctx, xmlNodePtr node, const char *expr)
{
    ctx->node = node;
    return xmlXPathEvalExpression((const xmlChar *)expr, ctx);
}

static size_t set_len(xmlXPathObjectPtr o) { return o && o->nodesetval ? (size_t)o->nodesetval->nodeNr : 0; }

/* Whether href names a .zip (before any query or fragment). */
static int is_zip_href(const char *href)
{
    size_t n = strcspn(href, "?#");

    return n >= 4 && strncasecmp(href + n - 4, ".zip", 4) == 0;
}

/* href (trimmed) resolved against base when it names a .zip; malloc'd,
 * NULL when it names something else or is no http(s) URL. */
static char *resolve(const char *href, const char *base)
{
    char *h = strdup(href), *out = NULL;
    xmlChar *abs;

    if (!h)
        return NULL;
    collapse(h);
    if (!is_zip_href(h)) {
        free(h);
        return NULL;
    }
    abs = xmlBuildURI((const xmlChar *)h, (const xmlChar *)base);
    if (abs &&
        (strncasecmp((const char *)abs, "http://", 7) == 0 ||
         strncasecmp((const char *)abs, "https://", 8) == 0))
        out = strdup((const char *)abs);
    xmlFree(abs);
    free(h);
    return out;
}

/* The first link in the row to a .zip, resolved; the cell that holds it in
 * *cell. NULL when the row has none. */
static char *row_link(xmlXPathContextPtr ctx, xmlNodePtr row, const char *base, xmlNodePtr *cell)
{
    xmlXPathObjectPtr links = select_under(ctx, row, ".//a[@href]");
    char *url = NULL;
    size_t i;

    *cell = NULL;
    for (i = 0; i < set_len(links) && !url; i++) {
        xmlNodePtr a = links->nodesetval->nodeTab[i];
        xmlChar *href = xmlGetProp(a, (const xmlChar *)"href");
        if (href && (url = resolve((const char *)href, base)) != NULL) {
            xmlNodePtr p = a;
            while (p && p->parent != row)
                p = p->parent;
            *cell = p;
        }
        xmlFree(href);
    }
    xmlXPathFreeObject(links);
    return url;
}

/* Copy the version at the start of text (a leading 'v' allowed) into out. */
static int cell_version(const char *text, char *out)
{
    unsigned long n[3];
    size_t at, len;

    if ((text[0] == 'v' || text[0] == 'V') && isdigit((unsigned char)text[1]))
        text++;
    len = version_prefix(text, n, &at);
    if (len == 0 || len >= REL_VERSION_MAX)
        return 0;
    /* 14.10.2026 or 2026.10.14 is a date written with dots, not a version. */
    if (n[0] >= REL_YEAR_MIN || n[2] >= REL_YEAR_MIN)
        return 0;
    memcpy(out, text, len);
    out[len] = '\0';
    return 1;
}

static void release_free(struct rel_release *r)
{
    size_t i;

    free(r->url);
    for (i = 0; i < r->n_changes; i++)
        free(r->changes[i]);
    free(r->changes);
    memset(r, 0, sizeof *r);
}

/* One row as a release: 1 filled, 0 not a release row, -1 out of memory. */
static int parse_row(xmlXPathContextPtr ctx, xmlNodePtr row, const char *base, struct rel_release *r)
{
    xmlNodePtr link_cell, c, version_cell = NULL, date_cell = NULL;
    xmlXPathObjectPtr items;
    struct strv sv = { 0 };
    size_t i;
    int rc = 1;

    memset(r, 0, sizeof *r);
    for (c = row->children; c && !version_cell; c = c->next) {
        char *t;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!(t = node_text(c)))
            return -1;
        if (cell_version(t, r->version))
            version_cell = c;
        free(t);
    }
    if (!version_cell)
        return 0;
    if (!(r->url = row_link(ctx, row, base, &link_cell)))
        return 0;
    for (c = row->children; c && !date_cell; c = c->next) {
        char *t;
        if (c->type != XML_ELEMENT_NODE || c == version_cell || c == link_cell)
            continue;
        if (!(t = node_text(c))) {
            release_free(r);
            return -1;
        }
        if (looks_like_date(t)) {
            date_cell = c;
            snprintf(r->date, sizeof r->date, "%s", t);
        }
        free(t);
    }
    /* The changes: the row's list items, else the lines of the other cell
     * with the most text (a size or a note column is shorter; on a tie the later cell, as
     * changes usually come last). */
    items = select_under(ctx, row, ".//li");
    for (i = 0; i < set_len(items) && rc > 0; i++)
        if (strv_push(&sv, node_text(items->nodesetval->nodeTab[i])) != 0)
            rc = -1;
    xmlXPathFreeObject(items);
    if (rc > 0 && sv.n == 0) {
        xmlNodePtr best = NULL;
        size_t best_len = 0;
        for (c = row->children; c && rc > 0; c = c->next) {
            char *t;
            if (c->type != XML_ELEMENT_NODE || c == version_cell || c == date_cell || c == link_cell)
                continue;
            if (!(t = node_text(c))) {
                rc = -1;
            } else if (strlen(t) >= best_len && t[0]) {
                best = c;
                best_len = strlen(t);
            }
            free(t);
        }
        if (rc > 0 && best && cell_lines(best, &sv) != 0)
            rc = -1;
    }
    if (rc < 0) {
        strv_free(&sv);
        release_free(r);
        return -1;
    }
    r->changes = sv.v;
    r->n_changes = sv.n;
    return 1;
}

static int cmp_newest_first(const void *a, const void *b)
{
    const struct rel_release *ra = a, *rb = b;

    return rel_version_cmp(rb->version, ra->version);
}

void rel_list_free(struct rel_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        release_free(&l->r[i]);
    free(l->r);
    l->r = NULL;
    l->n = 0;
}

static nt_status parse_rows(xmlDocPtr doc, const char *base, struct rel_list *out, struct nt_err *err)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr rows;
    size_t i, n;
    nt_status st = NT_OK;

    if (!ctx)
        return nt_err_set(err, NT_E_NOMEM, "out of memory reading the release page %s", base);
    rows = select_under(ctx, xmlDocGetRootElement(doc), "//tr");
    n = set_len(rows);
    if (n && !(out->r = calloc(n, sizeof *out->r)))
        st = nt_err_set(err, NT_E_NOMEM, "out of memory reading the release page %s", base);
    for (i = 0; i < n && st == NT_OK; i++) {
        struct rel_release *r = &out->r[out->n];
        int rc = parse_row(ctx, rows->nodesetval->nodeTab[i], base, r);
        if (rc < 0)
            st = nt_err_set(err, NT_E_NOMEM, "out of memory reading the release page %s", base);
        else if (rc > 0 && rel_find(out, r->version))
            release_free(r); /* a later row for a version already listed */
        else if (rc > 0)
            out->n++;
    }
    xmlXPathFreeObject(rows);
    xmlXPathFreeContext(ctx);
    return st;
}

nt_status rel_parse(const char *html, size_t len, const char *base_url, struct rel_list *out,
                    struct nt_err *err)
{
    htmlDocPtr doc;
    nt_status st;

    out->r = NULL;
    out->n = 0;
    if (len > (size_t)INT32_MAX)
        return nt_err_set(err, NT_E_DOWNLOAD, "the release page %s is too large to read", base_url);
    xmlInitParser();
    doc = htmlReadMemory(html, (int)len, base_url, NULL,
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (!doc || !xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        return nt_err_set(err, NT_E_DOWNLOAD,
                          "the release page %s lists no firmware release (it is empty or not HTML); "
                          "check the address given with --release-page",
                          base_url);
    }
    st = parse_rows(doc, base_url, out, err);
    xmlFreeDoc(doc);
    if (st == NT_OK && out->n == 0)
        st = nt_err_set(err, NT_E_DOWNLOAD,
                        "the release page %s lists no firmware release (no table row with a version "
                        "number and a link to a .zip); the page may have changed: check it in a browser",
                        base_url);
    if (st != NT_OK) {
        rel_list_free(out);
        return st;
    }
    qsort(out->r, out->n, sizeof *out->r, cmp_newest_first);
    return NT_OK;
}

const struct rel_release *rel_find(const struct rel_list *l, const char *version)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->r[i].version, version) == 0)
            return &l->r[i];
    return NULL;
}

void rel_nearest(const struct rel_list *l, const char *version, char *out, size_t cap)
{
    const char *above = NULL, *below = NULL;
    size_t i;

    for (i = 0; i < l->n; i++) {
        int c = rel_version_cmp(l->r[i].version, version);
        if (c > 0)
            above = l->r[i].version; /* newest first: the last one above is the nearest */
        else if (c < 0 && !below)
            below = l->r[i].version;
    }
    if (below && above)
        snprintf(out, cap, "%s or %s", below, above);
    else
        snprintf(out, cap, "%s", below ? below : above ? above : "");
}
