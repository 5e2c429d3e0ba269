/* Tests for the release page reader (backends/fetch/releases.c) on synthetic
 * pages: table order, extra columns, relative and absolute links, beta and
 * annotated version cells, pages without a release, and the version
 * ordering and look-ups behind --latest and a version argument. */
#include "config.h"

#include <string.h>

#include "releases.h"
#include "tap.h"

#define BASE "https://example.test/dir/page.html"

static nt_status parse(const char *html, struct rel_list *l, struct nt_err *err)
{
    nt_err_clear(err);
    return rel_parse(html, strlen(html), BASE, l, err);
}

static void test_newest_first_table(void)
{
    static const char page[] = "<html><head><meta charset='utf-8'><title>t</title></head><body><table>"
                               "<tr><th>Version</th><th>Date</th><th>Download</th><th>Changes</th></tr>"
                               "<tr><td>1.19.0</td><td>14/10/2026</td><td><a "
                               "href='downloads/firmware/distingNT_1.19.0.zip'>zip</a></td>"
                               "<td><ul><li>New  algorithm:\n  Foo</li><li>Fixed bar</li></ul></td></tr>"
                               "<tr><td>1.18.0</td><td>1/9/2026</td><td><a "
                               "href='/downloads/firmware/distingNT_1.18.0.zip'>zip</a></td>"
                               "<td><ul><li>Only change</li></ul></td></tr>"
                               "</table></body></html>";
    struct rel_list l;
    struct nt_err err;

    CHECK_EQ_INT(parse(page, &l, &err), NT_OK);
    CHECK_EQ_INT(l.n, 2);
    if (l.n != 2)
        return;
    CHECK_EQ_STR(l.r[0].version, "1.19.0");
    CHECK_EQ_STR(l.r[0].date, "14/10/2026");
    CHECK_EQ_STR(l.r[0].url, "https://example.test/dir/downloads/firmware/distingNT_1.19.0.zip");
    CHECK_EQ_INT(l.r[0].n_changes, 2);
    CHECK_EQ_STR(l.r[0].changes[0], "New algorithm: Foo");
    CHECK_EQ_STR(l.r[0].changes[1], "Fixed bar");
    CHECK_EQ_STR(l.r[1].version, "1.18.0");
    CHECK_EQ_STR(l.r[1].date, "1/9/2026");
    CHECK_EQ_STR(l.r[1].url, "https://example.test/downloads/firmware/distingNT_1.18.0.zip");
    rel_list_free(&l);
}

/* Page order is not version order: 1.10.0 is newer than 1.9.0. */
static void test_oldest_first_sorted_by_number(void)
{
    static const char page[] = "<table>"
                               "<tr><td>1.9.0</td><td><a href='a/distingNT_1.9.0.zip'>z</a></td></tr>"
                               "<tr><td>1.10.0</td><td><a href='a/distingNT_1.10.0.zip'>z</a></td></tr>"
                               "<tr><td>1.2.1</td><td><a href='a/distingNT_1.2.1.zip'>z</a></td></tr>"
                               "</table>";
    struct rel_list l;
    struct nt_err err;

    CHECK_EQ_INT(parse(page, &l, &err), NT_OK);
    CHECK_EQ_INT(l.n, 3);
    if (l.n == 3) {
        CHECK_EQ_STR(l.r[0].version, "1.10.0");
        CHECK_EQ_STR(l.r[1].version, "1.9.0");
        CHECK_EQ_STR(l.r[2].version, "1.2.1");
        CHECK_EQ_STR(l.r[0].date, "");
        CHECK_EQ_INT(l.r[0].n_changes, 0);
    }
    rel_list_free(&l);
}

/* Columns in another order, extra columns, an absolute link, a version cell
 * with a build date, a beta, and changes as <br>-separated text. */
static void test_extra_columns_and_cells(void)
{
    static const char page[] =
        "<table>"
        "<tr><td>x</td><td>Changes</td><td>Version</td><td>Size</td><td>Link</td><td>Date</td></tr>"
        "<tr><td>★</td><td>First line<br>Second &amp; more</td><td>1.13.0beta</td><td>1.2 MB</td>"
        "<td><a href='https://cdn.example.test/fw/distingNT_1.13.0beta.zip?x=1'>get</a></td>"
        "<td>2026-01-05</td></tr>"
        "<tr><td></td><td><p>Release</p></td><td>v1.13.0 (built 3 Feb 2026)</td><td>1 MB</td>"
        "<td><a href='notes.html'>notes</a> <a href=' ../fw/distingNT_1.13.0.ZIP '>zip</a></td>"
        "<td>3 February 2026</td></tr>"
        "</table>";
    struct rel_list l;
    struct nt_err err;

    CHECK_EQ_INT(parse(page, &l, &err), NT_OK);
    CHECK_EQ_INT(l.n, 2);
    if (l.n != 2)
        return;
    CHECK_EQ_STR(l.r[0].version, "1.13.0");
    CHECK_EQ_STR(l.r[0].date, "3 February 2026");
    CHECK_EQ_STR(l.r[0].url, "https://example.test/fw/distingNT_1.13.0.ZIP");
    CHECK_EQ_INT(l.r[0].n_changes, 1);
    CHECK_EQ_STR(l.r[0].changes[0], "Release");
    CHECK_EQ_STR(l.r[1].version, "1.13.0beta");
    CHECK_EQ_STR(l.r[1].date, "2026-01-05");
    CHECK_EQ_STR(l.r[1].url, "https://cdn.example.test/fw/distingNT_1.13.0beta.zip?x=1");
    /* The longest other cell, not the marker or the size column. */
    CHECK_EQ_INT(l.r[1].n_changes, 2);
    if (l.r[1].n_changes == 2) {
        CHECK_EQ_STR(l.r[1].changes[0], "First line");
        CHECK_EQ_STR(l.r[1].changes[1], "Second & more");
    }
    rel_list_free(&l);
}

/* Rows without a zip link or without a version, and links that are not
 * http(s), are not releases; a repeated version keeps its first row; a
 * date written with dots is not taken for a version. */
static void test_rows_that_are_not_releases(void)
{
    static const char page[] = "<table>"
                               "<tr><td>1.5.0</td><td><a href='notes.html'>notes</a></td></tr>"
                               "<tr><td>no version</td><td><a href='x.zip'>z</a></td></tr>"
                               "<tr><td>1.4.0</td><td><a href='ftp://h/distingNT_1.4.0.zip'>z</a></td></tr>"
                               "<tr><td>1.2.3.4</td><td><a href='y.zip'>z</a></td></tr>"
                               "<tr><td>14.10.2026</td><td>1.3.0</td><td><a href='first.zip'>z</a></td></tr>"
                               "<tr><td>1.3.0</td><td><a href='second.zip'>z</a></td></tr>"
                               "</table>";
    struct rel_list l;
    struct nt_err err;

    CHECK_EQ_INT(parse(page, &l, &err), NT_OK);
    CHECK_EQ_INT(l.n, 1);
    if (l.n == 1) {
        CHECK_EQ_STR(l.r[0].version, "1.3.0");
        CHECK_EQ_STR(l.r[0].date, "14.10.2026"); /* a dotted date before the version */
        CHECK_EQ_STR(l.r[0].url, "https://example.test/dir/first.zip");
    }
    rel_list_free(&l);
}

static void test_no_release_is_a_download_error(void)
{
    static const char *const pages[] = {
        "<html><body><p>Firmware 1.19.0: <a href='distingNT_1.19.0.zip'>zip</a></p></body></html>",
        "<table><tr><td>nothing</td></tr></table>",
        "",
        "\x01\x02 not html at all",
    };
    size_t i;

    for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        struct rel_list l;
        struct nt_err err;
        CHECK_EQ_INT(parse(pages[i], &l, &err), NT_E_DOWNLOAD);
        CHECK_CONTAINS(err.msg, "lists no firmware release");
        CHECK_CONTAINS(err.msg, BASE);
        CHECK_EQ_INT(l.n, 0);
        CHECK(l.r == NULL);
    }
}

static void test_version_order(void)
{
    CHECK(rel_version_cmp("1.10.0", "1.9.0") > 0);
    CHECK(rel_version_cmp("1.9.0", "1.10.0") < 0);
    CHECK(rel_version_cmp("2.0.0", "1.99.99") > 0);
    CHECK(rel_version_cmp("1.13.0", "1.13.0beta") > 0);
    CHECK(rel_version_cmp("1.13.0beta", "1.13.0") < 0);
    CHECK(rel_version_cmp("1.13.0beta2", "1.13.0beta1") > 0);
    CHECK(rel_version_cmp("1.13.0beta", "1.12.9") > 0);
    CHECK_EQ_INT(rel_version_cmp("1.2.3", "1.2.3"), 0);
    CHECK(rel_is_version("1.19.0"));
    CHECK(rel_is_version("1.13.0beta"));
    CHECK(!rel_is_version("1.19"));
    CHECK(!rel_is_version("1.19.0.zip"));
    CHECK(!rel_is_version("distingNT_1.19.0.zip"));
    CHECK(!rel_is_version("1.19.0/x"));
    CHECK(!rel_is_version(""));
}

static void test_find_and_nearest(void)
{
    static const char page[] = "<table>"
                               "<tr><td>1.17.0</td><td><a href='a.zip'>z</a></td></tr>"
                               "<tr><td>1.19.0</td><td><a href='c.zip'>z</a></td></tr>"
                               "<tr><td>1.18.1</td><td><a href='b.zip'>z</a></td></tr>"
                               "</table>";
    struct rel_list l;
    struct nt_err err;
    char near[64];

    CHECK_EQ_INT(parse(page, &l, &err), NT_OK);
    CHECK(rel_find(&l, "1.18.1") != NULL);
    CHECK(rel_find(&l, "1.18.0") == NULL);
    rel_nearest(&l, "1.18.0", near, sizeof near);
    CHECK_EQ_STR(near, "1.17.0 or 1.18.1");
    rel_nearest(&l, "1.20.0", near, sizeof near);
    CHECK_EQ_STR(near, "1.19.0");
    rel_nearest(&l, "0.1.0", near, sizeof near);
    CHECK_EQ_STR(near, "1.17.0");
    rel_list_free(&l);
}

int main(void)
{
    RUN(test_newest_first_table);
    RUN(test_oldest_first_sorted_by_number);
    RUN(test_extra_columns_and_cells);
    RUN(test_rows_that_are_not_releases);
    RUN(test_no_release_is_a_download_error);
    RUN(test_version_order);
    RUN(test_find_and_nearest);
    return check_finish();
}
