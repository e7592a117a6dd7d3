/*
 * libFuzzer harness: the FastCGI record parser, fed the input in pieces of varying size as a
 * socket would deliver them, answering every complete request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fcgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t cap = 1024;
    struct fcgi_parser *ps = fcgi_parser_new(&cap);
    unsigned char *buf = malloc(size + 1);
    size_t have = 0, off = 0, step = size ? (size_t)data[0] % 17 + 1 : 1;
    while (off < size) {
        size_t n = size - off < step ? size - off : step;
        memcpy(buf + have, data + off, n);
        have += n;
        off += n;
        size_t used;
        struct fcgi_request req;
        int rc;
        while ((rc = fcgi_parser_feed(ps, buf, have, &used, &req)) == 1) {
            memmove(buf, buf + used, have - used);
            have -= used;
            for (char **e = req.env; *e; e++)
                (void)strlen(*e);
            fcgi_parser_respond(ps, "Status: 200 OK\r\n\r\n", 18);
            fcgi_parser_reset_request(ps);
        }
        if (rc < 0)
            break;
        memmove(buf, buf + used, have - used);
        have -= used;
        size_t outlen;
        (void)fcgi_parser_output(ps, &outlen);
        fcgi_parser_output_consume(ps, outlen);
    }
    free(buf);
    fcgi_parser_free(ps);
    return 0;
}
