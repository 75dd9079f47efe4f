"""The contract suite: what this build promises other parties, held against what releases promised.

Run it with ``inv test contract [--env ENV]``. greenroom's checks, then the team's own tests
(`suites.contract.path`, default tests/contract):

- each event schema the model declares on a stream or topic (`events: [{subject, schema,
  compatibility}]`, default FULL) against every version a promoted release carried (git tags
  matching `contracts.releases`, default ``v*``), by the Schema Registry's rules;
- the messages published on those streams while the suite ran, validated against their schemas
  (run last, so the team's tests that make the app publish come first);
- the OpenAPI document (`contracts.openapi`) against the last promoted release's: breaking changes;
- migrations the last promoted release did not carry (`contracts.migrations`), linted with squawk,
  each rule at the severity the model gives it (expand/contract rules are errors by default).
- N-1: the last release's images (a passing run at its tag in the ledger, or
  ``GREENROOM_PREVIOUS_IMAGES``) pass smoke on the schema this build's migrations leave.
"""
