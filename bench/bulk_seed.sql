-- Grows the corpus to :target articles in bulk, straight into PostgreSQL: 100 authors,
-- the 50 tags of seed.py, and articles shaped like seed.py's (title "Benchmark article
-- <n>", the same description and lorem body, 1 to 4 tags), a minute apart, newest last.
-- The triggers keep what they keep for the API (usernames, tag names, counts) and the
-- search document is generated, so search sees these articles as it sees any other.
-- Usage: psql -v target=100000 -f bench/bulk_seed.sql <database>
--
-- Articles and their tags go in chunks of 2,000, each its own transaction: the
-- counters the triggers keep (per tag, per author) are a few rows updated for every
-- article, and one transaction updating a row thousands of times leaves a chain of
-- versions every later update walks.

\set chunk 2000

INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
SELECT gen_random_uuid(), 'bulk' || n, 'bulk' || n || '@bench.example',
       'not a password hash', now(), now()
FROM generate_series(0, 99) AS n
WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = 'bulk0');

INSERT INTO tags (name)
SELECT 'tag' || n FROM generate_series(0, 49) AS n
ON CONFLICT (name) DO NOTHING;

CREATE TEMPORARY TABLE bulk_articles AS
WITH authors AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE username LIKE 'bulk%'
), have AS (
    SELECT count(*)::int AS articles FROM articles
)
SELECT gen_random_uuid() AS id, n, authors.ids[1 + n % 100] AS author_id,
       timestamptz '2026-01-01' + make_interval(mins => n) AS created_at
FROM authors, have, generate_series(have.articles, :target - 1) AS n;

SELECT format(
    $$INSERT INTO articles (id, slug, author_id, title, description, body, created_at, updated_at)
      SELECT id, 'bulk-article-' || n, author_id, 'Benchmark article ' || n,
             'What article ' || n || ' is about',
             rtrim(repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 20)),
             created_at, created_at
      FROM bulk_articles WHERE n >= %1$s AND n < %1$s + %2$s$$,
    first, :chunk)
FROM generate_series((SELECT min(n) FROM bulk_articles), (SELECT max(n) FROM bulk_articles), :chunk) AS first
\gexec

-- 1 to 4 distinct tags per article, drawn from the article's number.
SELECT format(
    $$INSERT INTO article_tags (article_id, tag_id)
      SELECT DISTINCT b.id, tags.id
      FROM bulk_articles AS b
      CROSS JOIN LATERAL generate_series(0, b.n %% 4) AS pick
      JOIN tags ON tags.name = 'tag' || abs(hashint4(b.n * 4 + pick)) %% 50
      WHERE b.n >= %1$s AND b.n < %1$s + %2$s$$,
    first, :chunk)
FROM generate_series((SELECT min(n) FROM bulk_articles), (SELECT max(n) FROM bulk_articles), :chunk) AS first
\gexec

DROP TABLE bulk_articles;
