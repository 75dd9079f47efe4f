"""The replay suite: a recorded stream replayed into the replica, its outcome held to account.

Record a file with ``inv replay record ENV --stream S [--from-seq N | --since T]``; name it in
the model (`replay.file`) or in ``GREENROOM_REPLAY_FILE``, then ``inv test replay``:

- determinism: replayed twice into a fresh state (what `replay.state` names emptied, the stream
  re-created), the state digest is the same both times, and equal to the expectation kept beside
  the file (``<file>.expected.json``, written by the first run that has none: commit it);
- idempotency: every message delivered a second time changes nothing;
- pause and resume: with the consuming services (`replay.consumers`) stopped, the file is
  published; started again, they drain it with nothing lost and nothing done twice (the drain
  time is reported).

The team's own tests (`suites.replay.path`, default tests/replay) run after these.
"""
