-- Core tables of the public contract (../shared/CONTRACT.md) plus the supporting
-- market tables. Columns may be added by later migrations, never renamed.

create table if not exists tickers (
    symbol varchar primary key,
    name varchar,
    exchange varchar,
    currency varchar,
    cik varchar,
    aliases varchar[],
    kind varchar,          -- equity, index, etf
    issuer varchar         -- the issuer's name; classes of one issuer share a cik
);

create table if not exists prices (
    symbol varchar not null,
    date date not null,
    open double,
    high double,
    low double,
    close double,
    adj_close double,
    volume bigint,
    source varchar,
    primary key (symbol, date)
);

create table if not exists splits (
    symbol varchar not null,
    date date not null,
    numerator double,
    denominator double,
    ratio double,          -- numerator / denominator: a 10-for-1 split is 10
    source varchar,
    primary key (symbol, date)
);

create table if not exists dividends (
    symbol varchar not null,
    date date not null,
    amount double,
    source varchar,
    primary key (symbol, date)
);

create table if not exists fx_rates (
    date date not null,
    base varchar not null,
    quote varchar not null,
    rate double,           -- units of quote per one base
    source varchar,
    primary key (date, base, quote)
);

create table if not exists shares_outstanding (
    cik varchar not null,
    as_of date not null,
    filed date,
    form varchar,
    accession varchar not null,
    shares double,         -- all classes of the issuer summed
    classes integer,
    source varchar,
    primary key (cik, as_of, accession)
);

create table if not exists valuations (
    entity varchar not null,
    as_of date not null,
    kind varchar not null,  -- market_cap or reported
    value double,
    currency varchar,
    value_usd double,
    source varchar not null,
    shares double,          -- market_cap: the split-restated share count used
    shares_as_of date,
    rate_date date,         -- the FX date used for value_usd
    primary key (entity, as_of, kind, source)
);

create table if not exists articles (
    article_id varchar primary key,
    url varchar,
    title varchar,
    published_at timestamp,
    lang varchar,
    fetched_at timestamp,
    content_sha256 varchar,
    text varchar,
    canonical_url varchar,
    raw_path varchar
);

create table if not exists events (
    event_id varchar primary key,
    event_date date,
    entity varchar,
    event_type varchar,
    title varchar,
    article_id varchar
);

create table if not exists claims (
    claim_id varchar primary key,
    article_id varchar,
    sentence varchar,
    claim_type varchar,
    subjects varchar[],
    value double,
    unit varchar,
    currency varchar,
    counter_value double,
    counter_currency varchar,
    qualifier varchar,
    reference_date date,
    verdict varchar,
    observed double,
    explanation varchar,
    range_end double,
    from_value double,
    to_value double,
    intraday boolean,
    date_note varchar,
    span varchar
);

create table if not exists dq_results (
    run_id varchar,
    checked_at timestamp,
    suite varchar,
    expectation varchar,
    success boolean,
    details json
);

create table if not exists runs (
    run_id varchar primary key,
    flow varchar,
    run_date date,
    started_at timestamp,
    finished_at timestamp,
    status varchar,
    stats json
);
