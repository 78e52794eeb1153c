#ifndef TIREK_CEPOLL_H
#define TIREK_CEPOLL_H
// epoll and eventfd for the load generator's reader threads (SocketReaders): Swift's Glibc module
// does not export these headers.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
