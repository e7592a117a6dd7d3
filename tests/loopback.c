/* loopback: the suites' HTTP servers' socket and request reading (loopback.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/loopback.h"

#include <stdio.h>

int loopback_listen(int backlog, int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(addr);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, backlog) < 0 ||
        getsockname(s, (struct sockaddr *)&addr, &len) < 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return s;
}

char *loopback_body(char *buf)
{
    char *end = strstr(buf, "\r\n\r\n");
    return end ? end + 4 : NULL;
}

/* The Content-Length of the head that ends at end (0 when none). */
static size_t content_length(const char *buf, const char *end)
{
    for (const char *l = strstr(buf, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n"))
        if (strncasecmp(l + 2, "content-length:", 15) == 0)
            return strtoul(l + 17, NULL, 10);
    return 0;
}

size_t loopback_read_request(int c, char *buf, size_t cap)
{
    size_t got = 0;
    buf[0] = '\0';
    while (got + 1 < cap) {
        ssize_t n = read(c, buf + got, cap - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        char *body = loopback_body(buf);
        if (body && got >= (size_t)(body - buf) + content_length(buf, body))
            break;
    }
    return got;
}

int loopback_once(int status, const char *answer, int *port, int *request_fd)
{
    int pipefd[2], s = loopback_listen(1, port);
    if (s < 0 || pipe(pipefd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        int c = accept(s, NULL, NULL);
        char req[16384];
        size_t got = loopback_read_request(c, req, sizeof(req));
        char reply[1024];
        int n = snprintf(reply, sizeof(reply), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", status,
                         strlen(answer), answer);
        ssize_t ignored = write(c, reply, (size_t)n);
        ignored = write(pipefd[1], req, got);
        (void)ignored;
        close(c);
        _exit(0);
    }
    close(s);
    close(pipefd[1]);
    *request_fd = pipefd[0];
    return (int)pid;
}
