-- Descriptions of every table, view and column, so catalog tools (the DuckDB CLI's .schema,
-- Harlequin, DBeaver, duckdb_columns()) explain the warehouse. docs/tables.md is built from
-- the same text: change a description here, then regenerate it (see that file's footer).

comment on table tickers is 'Securities newsdesk knows by symbol, seeded from sql/tickers.csv: the universe claims are matched against.';
comment on column tickers.symbol is 'Exchange ticker symbol as Yahoo spells it (GOOGL, 0700.HK, ^GSPC); the key.';
comment on column tickers.name is 'Company, fund or index name.';
comment on column tickers.exchange is 'Listing venue (Nasdaq, NYSE, HKEX...); its calendar decides which days are sessions.';
comment on column tickers.currency is 'ISO 4217 code of the currency the security is quoted in.';
comment on column tickers.cik is 'SEC Central Index Key, ten digits with leading zeros; NULL for indexes, ETFs and non-US listings.';
comment on column tickers.aliases is 'Names the press uses for it, in any language (Alphabet, Google, 谷歌母公司); how articles are matched to the symbol.';
comment on column tickers.kind is 'equity, index or etf.';
comment on column tickers.issuer is 'Name of the issuing company; share classes of one issuer (GOOGL, GOOG) share it and its CIK.';

comment on table prices is 'One daily bar per symbol and trading session, from the Yahoo chart API.';
comment on column prices.symbol is 'Ticker symbol (tickers.symbol).';
comment on column prices.date is 'The session, as a date on the exchange''s own calendar.';
comment on column prices.open is 'First traded price of the session, in the quote currency.';
comment on column prices.high is 'Highest traded price of the session.';
comment on column prices.low is 'Lowest traded price of the session.';
comment on column prices.close is 'Closing price, restated for every split since (as Yahoo serves it).';
comment on column prices.adj_close is 'Closing price restated for splits and for dividends paid since.';
comment on column prices.volume is 'Shares traded in the session.';
comment on column prices.source is 'Where the bar came from (yahoo).';

comment on table splits is 'Stock splits from the Yahoo chart API, one row per symbol and effective date.';
comment on column splits.symbol is 'Ticker symbol (tickers.symbol).';
comment on column splits.date is 'First session traded on the new share count.';
comment on column splits.numerator is 'New shares per denominator old shares.';
comment on column splits.denominator is 'Old shares the numerator replaces.';
comment on column splits.ratio is 'numerator / denominator: 10 for a 10-for-1 split, 0.1 for a 1-for-10 reverse split.';
comment on column splits.source is 'Where the split came from (yahoo).';

comment on table dividends is 'Cash dividends from the Yahoo chart API, one row per symbol and ex-date.';
comment on column dividends.symbol is 'Ticker symbol (tickers.symbol).';
comment on column dividends.date is 'Ex-dividend session.';
comment on column dividends.amount is 'Cash paid per share, in the quote currency.';
comment on column dividends.source is 'Where the dividend came from (yahoo).';

comment on table fx_rates is 'ECB reference exchange rates through Frankfurter, one row per day and currency pair; ECB holidays and weekends have none.';
comment on column fx_rates.date is 'Day the ECB fixed the rate.';
comment on column fx_rates.base is 'ISO 4217 code of the currency priced (USD).';
comment on column fx_rates.quote is 'ISO 4217 code of the currency it is priced in.';
comment on column fx_rates.rate is 'How many units of quote buy one unit of base.';
comment on column fx_rates.source is 'Where the rate came from (frankfurter).';

comment on table shares_outstanding is 'Shares outstanding from SEC XBRL company facts (the cover-page count), one row per issuer, date and filing.';
comment on column shares_outstanding.cik is 'SEC Central Index Key of the issuer (tickers.cik).';
comment on column shares_outstanding.as_of is 'Date the count is stated for.';
comment on column shares_outstanding.filed is 'Date the filing reached the SEC.';
comment on column shares_outstanding.form is 'Form that reported it (10-K, 10-Q...).';
comment on column shares_outstanding.accession is 'SEC accession number of the filing.';
comment on column shares_outstanding.shares is 'Shares outstanding, every share class of the issuer added together.';
comment on column shares_outstanding.classes is 'How many share-class counts were added into shares.';
comment on column shares_outstanding.source is 'Where the count came from (sec).';

comment on table valuations is 'What an entity was worth on a date: market caps computed here, and valuations articles report.';
comment on column valuations.entity is 'Ticker symbol for a listed company, otherwise the entity''s name (OpenAI).';
comment on column valuations.as_of is 'Date the worth applies to.';
comment on column valuations.kind is 'market_cap (a session close times the split-restated share count) or reported (a figure an article states).';
comment on column valuations.value is 'The worth, in whole units of currency.';
comment on column valuations.currency is 'ISO 4217 code of value.';
comment on column valuations.value_usd is 'The worth converted to US dollars at the rate of rate_date.';
comment on column valuations.source is 'market_cap: the inputs'' sources (yahoo*sec: Yahoo closes times SEC share counts); reported: the URL of the article stating it.';
comment on column valuations.shares is 'market_cap: the share count used, restated for splits after its date.';
comment on column valuations.shares_as_of is 'market_cap: the date of that share count.';
comment on column valuations.rate_date is 'Date of the exchange rate used for value_usd.';

comment on table articles is 'News articles read, one row per distinct text (the same story at two URLs is one article).';
comment on column articles.article_id is 'Stable identifier of the article; the key claims refer to.';
comment on column articles.url is 'Address it was fetched from.';
comment on column articles.title is 'Headline.';
comment on column articles.published_at is 'Publication time as the page states it.';
comment on column articles.lang is 'Language code of the text (zh, en...).';
comment on column articles.fetched_at is 'When newsdesk fetched it.';
comment on column articles.content_sha256 is 'SHA-256 of the extracted text; equal texts are one article.';
comment on column articles.text is 'Article body as plain text.';
comment on column articles.canonical_url is 'The canonical address the page declares, when it declares one.';
comment on column articles.raw_path is 'Where the fetched page is kept in the raw landing zone.';

comment on table events is 'Dated happenings: a reference calendar (sql/events.csv) and the moves and valuations articles report.';
comment on column events.event_id is 'Calendar rows: a readable slug; reported rows: the claim_id of the claim behind it.';
comment on column events.event_date is 'Day the event happened or the session it is about.';
comment on column events.entity is 'Who it concerns: a ticker symbol or a name; several joined by commas.';
comment on column events.event_type is 'Calendar rows: a kind such as stock_split or product_launch; reported rows: the claim type.';
comment on column events.title is 'One-line description (for reported rows, the start of the sentence).';
comment on column events.article_id is 'Article that reported it; NULL for calendar rows.';

comment on table claims is 'Each checkable figure an article states, with the verdict newsdesk reached on it.';
comment on column claims.claim_id is 'Stable identifier: the same sentence of the same article keeps its id across runs.';
comment on column claims.article_id is 'Article stating it (articles.article_id).';
comment on column claims.sentence is 'Sentence the figure was read from.';
comment on column claims.claim_type is 'price_move, market_cap_change, currency_conversion, valuation, valuation_change, or other (kept, not checked).';
comment on column claims.subjects is 'Ticker symbols of the listed companies it is about, or names of the others.';
comment on column claims.value is 'The stated figure, normalised: percent units (a 7% fall is -7.0), money in whole units of its currency.';
comment on column claims.unit is 'percent, currency, ratio or count.';
comment on column claims.currency is 'ISO 4217 code of value, for money.';
comment on column claims.counter_value is 'currency_conversion: the stated equivalent amount.';
comment on column claims.counter_currency is 'currency_conversion: ISO 4217 code of counter_value.';
comment on column claims.qualifier is 'How the figure was hedged: exact, about, over, nearly or under.';
comment on column claims.reference_date is 'Exchange session the figure is about, from the dates and events the article names, else from its publication time.';
comment on column claims.verdict is 'supported, contradicted (false under every plausible reading) or unverifiable (with the reason in explanation).';
comment on column claims.observed is 'Figure measured from market data that the claim was judged against.';
comment on column claims.explanation is 'One line on how the verdict was reached, or why none could be.';
comment on column claims.range_end is 'A stated range (fell 5% to 7%): its other end, with the same sign as value.';
comment on column claims.from_value is 'valuation_change: the worth before the change.';
comment on column claims.to_value is 'valuation_change: the worth after the change.';
comment on column claims.intraday is 'True when the text speaks of a move during the session rather than at the close.';
comment on column claims.date_note is 'How reference_date was worked out from the text.';
comment on column claims.span is 'The figure exactly as written in the sentence.';
comment on column claims.precision is 'Place value of the last digit written (7.41% gives 0.01); the figure is judged to that precision. NULL on rows older than this column.';

comment on table dq_results is 'One row per data-quality expectation evaluated in a run.';
comment on column dq_results.run_id is 'Run that evaluated it (runs.run_id).';
comment on column dq_results.checked_at is 'When it was evaluated.';
comment on column dq_results.suite is 'Expectation suite, named after the table it checks.';
comment on column dq_results.expectation is 'Expectation evaluated, with its column.';
comment on column dq_results.success is 'Whether the data met it.';
comment on column dq_results.details is 'JSON with what was observed: counts and examples of the rows that failed.';

comment on table runs is 'One row per pipeline run: what ran, when, how it ended and what it did.';
comment on column runs.run_id is 'Identifier of the run.';
comment on column runs.flow is 'Which flow ran (nightly, backfill...).';
comment on column runs.run_date is 'Date the run was for (the last date of a backfill''s range).';
comment on column runs.started_at is 'When it started.';
comment on column runs.finished_at is 'When it ended; NULL while running.';
comment on column runs.status is 'running while it runs, then completed, failed or interrupted.';
comment on column runs.stats is 'JSON with the run''s figures: requests made, rows per table, claims judged, failures.';

comment on table loaded_bodies is 'Landed response bodies a transform version has loaded, so a re-run skips bodies already loaded.';
comment on column loaded_bodies.source is 'Source the body came from (yahoo, frankfurter, sec).';
comment on column loaded_bodies.sha256 is 'SHA-256 of the body in the raw landing zone.';
comment on column loaded_bodies.transform is 'Version of the transform that loaded it; a new version loads every body again.';
comment on column loaded_bodies.loaded_at is 'When it was loaded.';

comment on table schema_version is 'Migrations applied to this warehouse (the numbered files of sql/schema).';
comment on column schema_version.version is 'Migration number.';
comment on column schema_version.name is 'Migration file name.';
comment on column schema_version.checksum is 'Hash of the file (and of its seed CSV): a changed seed is applied again.';
comment on column schema_version.applied_at is 'When it was applied.';

comment on view daily_moves is 'Each symbol''s close beside the previous session''s, with the move in percent.';
comment on column daily_moves.symbol is 'Ticker symbol.';
comment on column daily_moves.date is 'The session.';
comment on column daily_moves.close is 'Close of the session.';
comment on column daily_moves.previous_close is 'Close of the symbol''s previous session in prices.';
comment on column daily_moves.pct_change is 'Move from the previous close, in percent, rounded to four places.';

comment on view claim_verdicts is 'Each claim with its verdict beside the article that states it.';
comment on column claim_verdicts.reference_date is 'Exchange session the figure is about.';
comment on column claim_verdicts.claim_type is 'Kind of claim (claims.claim_type).';
comment on column claim_verdicts.subjects is 'What the claim is about.';
comment on column claim_verdicts.value is 'The stated figure, normalised.';
comment on column claim_verdicts.currency is 'ISO 4217 code of value, for money.';
comment on column claim_verdicts.qualifier is 'exact, about, over, nearly or under.';
comment on column claim_verdicts.verdict is 'supported, contradicted or unverifiable.';
comment on column claim_verdicts.observed is 'Figure measured from market data.';
comment on column claim_verdicts.explanation is 'How the verdict was reached.';
comment on column claim_verdicts.title is 'Headline of the article.';
comment on column claim_verdicts.url is 'Address of the article.';
comment on column claim_verdicts.published_at is 'Publication time of the article.';
comment on column claim_verdicts.claim_id is 'Stable identifier of the claim.';
