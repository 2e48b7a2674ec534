"""Injected faults (CONTRACT §5): rules, matching, counting, and the transport middleware."""
