"""The loaded topology (CMDB) in the system of record: tables, store, startup loader, read API."""
