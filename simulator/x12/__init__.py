"""X12: pure functions over bytes. Reading, validating, and writing acknowledgements and responses.

Nothing here touches a database, Flask or the clock: times and control numbers are passed in.
"""
