/*
 * addrlist: lists of IP addresses and CIDR blocks ("127.0.0.1 ::1, 10.0.0.0/8"), as settings
 * name the callers let in by address (metrics_allow). IPv4 and IPv6; an IPv4-mapped IPv6
 * address (::ffff:10.1.2.3, as a dual-stack server reports one) is matched as its IPv4 address.
 */
#ifndef PORTICO_ADDRLIST_H
#define PORTICO_ADDRLIST_H

#include <stdbool.h>
#include <stddef.h>

/* Is every entry of list (separated by spaces or commas) an address or a block? When not, the
 * first bad entry is copied into bad (of badlen bytes) and false is returned. */
bool addrlist_valid(const char *list, char *bad, size_t badlen);

/* Is addr (an address as text) within one of list's entries? Bad entries match nothing. */
bool addrlist_match(const char *list, const char *addr);

#endif
