"""The query dialect sent with every search and aggregation unless set otherwise."""

DEFAULT_DIALECT = 2
