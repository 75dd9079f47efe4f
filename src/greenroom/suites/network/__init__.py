"""The network suite: every boundary the model declares, checked live from inside the replica.

Run it with ``inv test network [--env ENV]`` against a running replica (`inv up ENV`). A probe
container joins exactly the networks of each source (as the engine has them, so a network
attached by hand counts) and tries every port of every other container: what a rule admits
connects by name; what a target's `allow_from` or a zone's `egress` closes is refused or times
out within a second. From the host, each published port answers on loopback, and on another
address of the host only when exposure makes it public. Members of internal zones have no route
to the internet. A parity report (`reports/network-<env>-*.json` and `.txt` beside the JUnit
file) lists each property as verified live, not emulable locally (with the reason) or failed;
its share verified goes to the ledger with the run.
"""
