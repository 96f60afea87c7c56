"""The rule book: SLA arithmetic and policies, the SQL rules every figure is decided by, and a viewer's scope."""
