"""The lab: ``leanredis bench`` reproduces high-QPS memory scenarios for several clients.

Layers, top down: ``cli`` (arguments) -> ``runner`` (the server, the matrix of
runs, one fresh subprocess per run, live progress) -> ``worker`` (inside the
subprocess: one client, one workload) -> ``workloads`` and ``clients``;
``report`` turns results into a table, a JSON file and PNG charts, ``page`` into one offline HTML
page, ``compare`` two results files into their differences.
"""
