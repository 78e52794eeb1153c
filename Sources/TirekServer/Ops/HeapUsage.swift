import CHeapUsage

/// The C heap, which Swift objects live on too.
enum HeapUsage {
    /// Bytes the process has allocated and not freed, over all allocator arenas (glibc's
    /// `malloc_info`). Unlike the resident set it does not move with fragmentation or with pages the
    /// allocator keeps for reuse, so a leak shows as steady growth. `nil` where the allocator does not say.
    static func inUseBytes() -> Int? {
        let bytes = tirek_heap_in_use()
        return bytes >= 0 ? Int(bytes) : nil
    }

    /// Hands freed memory back to the system. glibc keeps what a lesson's connections freed in its
    /// arenas: after 500-student lessons the resident set stayed near 110 MB with 5 MB in use.
    static func trim() { tirek_heap_trim() }
}
