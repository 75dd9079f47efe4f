-- Rin's OLTP schema: each service's own table, the shared transactional outbox, and the
-- projections the consumers keep (search documents over PG full-text search, contact ranks).
CREATE TABLE owners (
    id           uuid PRIMARY KEY,
    handle       text NOT NULL UNIQUE,
    display_name text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
    id         uuid PRIMARY KEY,
    owner_id   uuid NOT NULL REFERENCES owners (id),
    name       text NOT NULL,
    circle     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE profiles (
    owner_id   uuid PRIMARY KEY REFERENCES owners (id),
    headline   text NOT NULL,
    bio        text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE disputes (
    id         uuid PRIMARY KEY,
    owner_id   uuid NOT NULL REFERENCES owners (id),
    reason     text NOT NULL,
    status     text NOT NULL DEFAULT 'open',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Written in the same transaction as the row it announces; the relay publishes each row with
-- its id as Nats-Msg-Id, so JetStream drops a repeat within the stream's duplicate window.
CREATE TABLE outbox (
    id           uuid PRIMARY KEY,
    subject      text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;

-- Each consumer's idempotency ledger: a message id is applied once per consumer.
CREATE TABLE processed_events (
    consumer     text NOT NULL,
    message_id   text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

-- The search/query projection (PG FTS first, an external engine later).
CREATE TABLE search_documents (
    doc_id     text PRIMARY KEY,
    kind       text NOT NULL,
    owner_id   uuid NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    document   tsvector GENERATED ALWAYS AS (
                   to_tsvector('simple', title || ' ' || body)) STORED,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX search_documents_fts ON search_documents USING gin (document);

-- The ranking orchestration's input: contacts per owner and circle.
CREATE TABLE contact_ranks (
    owner_id   uuid NOT NULL,
    circle     text NOT NULL,
    contacts   integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, circle)
);
