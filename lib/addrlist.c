/*
 * addrlist: each entry parsed with inet_pton, compared by prefix bits.
 */
#include "addrlist.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* addr as 16 bytes (IPv4 mapped into ::ffff:0:0/96), and whether it was IPv4. */
static bool parse_addr(const char *s, unsigned char out[16], bool *v4)
{
    struct in_addr a4;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a4, 4);
        *v4 = true;
        return true;
    }
    *v4 = false;
    if (inet_pton(AF_INET6, s, out) != 1)
        return false;
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    *v4 = memcmp(out, mapped, 12) == 0;
    return true;
}

/* One entry (n bytes of e): its address and prefix length over the 128 bits. */
static bool parse_entry(const char *e, size_t n, unsigned char addr[16], int *bits)
{
    char text[64];
    if (n == 0 || n >= sizeof(text))
        return false;
    memcpy(text, e, n);
    text[n] = '\0';
    char *slash = strchr(text, '/');
    long prefix = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        if (!slash[1] || slash[1] == '+' || slash[1] == '-')
            return false;
        prefix = strtol(slash + 1, &end, 10);
        if (*end)
            return false;
    }
    bool v4;
    if (!parse_addr(text, addr, &v4))
        return false;
    long max = v4 ? 32 : 128;
    if (prefix < 0)
        prefix = max;
    if (prefix > max)
        return false;
    *bits = (int)(v4 ? prefix + 96 : prefix);
    return true;
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

#define SEPARATORS " ,\t"

bool addrlist_valid(const char *list, char *bad, size_t badlen)
{
    for (const char *p = list ? list : ""; *p;) {
        p += strspn(p, SEPARATORS);
        size_t n = strcspn(p, SEPARATORS);
        unsigned char a[16];
        int bits;
        if (n && !parse_entry(p, n, a, &bits)) {
            snprintf(bad, badlen, "%.*s", (int)n, p);
            return false;
        }
        p += n;
    }
    return true;
}

bool addrlist_match(const char *list, const char *addr)
{
    unsigned char want[16];
    bool v4;
    if (!list || !addr || !parse_addr(addr, want, &v4))
        return false;
    for (const char *p = list; *p;) {
        p += strspn(p, SEPARATORS);
        size_t n = strcspn(p, SEPARATORS);
        unsigned char a[16];
        int bits;
        if (n && parse_entry(p, n, a, &bits) && prefix_equal(a, want, bits))
            return true;
        p += n;
    }
    return false;
}
