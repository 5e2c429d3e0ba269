/* SHA-256 against the FIPS 180-2 Appendix B test vectors. */
#include "tap.h"
#include "sha256.h"
#include "pkg.h"

static void check_digest(const void *data, size_t len, const char *hex)
{
    uint8_t d[32];
    char got[65];
    sha256(data, len, d);
    pkg_sha256_hex(d, got);
    CHECK_EQ_STR(got, hex);
}

static void test_abc(void)
{
    check_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_empty(void)
{
    check_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_448_bits(void)
{
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_digest(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* One million 'a', fed in uneven pieces so block boundaries fall everywhere. */
static void test_million_a(void)
{
    static char chunk[997];
    struct sha256_ctx c;
    uint8_t d[32];
    char got[65];
    size_t left = 1000000;

    memset(chunk, 'a', sizeof chunk);
    sha256_init(&c);
    while (left > 0) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        sha256_update(&c, chunk, n);
        left -= n;
    }
    sha256_final(&c, d);
    pkg_sha256_hex(d, got);
    CHECK_EQ_STR(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Messages of 55, 56 and 64 bytes straddle the padding boundary. */
static void test_padding_edges(void)
{
    char m[64];
    memset(m, 'a', sizeof m);
    check_digest(m, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    check_digest(m, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    check_digest(m, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

int main(void)
{
    RUN(test_abc);
    RUN(test_empty);
    RUN(test_448_bits);
    RUN(test_million_a);
    RUN(test_padding_edges);
    return check_finish();
}
