#include "heap_usage.h"
#include <stdlib.h> /* defines __GLIBC__ on glibc */
#if defined(__GLIBC__)
#include <malloc.h>
#include <stdio.h>
#include <string.h>

/* The value of size="..." in the last element of the report that starts with `tag`: malloc_info
   lists each arena first and the process-wide totals last. */
static long long last_size(const char *report, const char *tag) {
    const char *found = NULL;
    for (const char *p = strstr(report, tag); p; p = strstr(p + 1, tag)) found = p;
    if (!found) return -1;
    const char *size = strstr(found, "size=\"");
    return size ? strtoll(size + 6, NULL, 10) : -1;
}
#endif

long long tirek_heap_in_use(void) {
#if defined(__GLIBC__)
    /* mallinfo2 covers the main arena only; malloc_info reports every arena (threads allocate from
       their own), so in use = memory taken from the system - free chunks + mmapped blocks. */
    char *report = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&report, &length);
    if (!stream) return -1;
    int failed = malloc_info(0, stream);
    fclose(stream);
    long long result = -1;
    if (!failed && report) {
        long long current = last_size(report, "<system type=\"current\"");
        long long fast = last_size(report, "<total type=\"fast\"");
        long long rest = last_size(report, "<total type=\"rest\"");
        long long mmapped = last_size(report, "<total type=\"mmap\"");
        if (current >= 0 && fast >= 0 && rest >= 0 && mmapped >= 0) result = current - fast - rest + mmapped;
    }
    free(report);
    return result;
#else
    return -1;
#endif
}

void tirek_heap_trim(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
