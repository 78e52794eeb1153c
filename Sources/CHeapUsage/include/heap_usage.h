#ifndef TIREK_HEAP_USAGE_H
#define TIREK_HEAP_USAGE_H
#include <stddef.h>

/// Bytes allocated through malloc and not freed, over all arenas (glibc malloc_info: memory taken
/// from the system less free chunks, plus mmapped blocks); -1 where the C library does not report it.
long long tirek_heap_in_use(void);

/// Returns free memory at the top of the heap and free pages inside every arena to the system
/// (glibc malloc_trim); nothing elsewhere.
void tirek_heap_trim(void);

#endif
