-- The plans of the list queries as Folio runs them, on the database
-- `BENCH_KEEP=1 make bench` leaves:
--   psql postgres://postgres@127.0.0.1:5432/folio_bench -f bench/explain.sql
-- The statements are those of Folio's slow-query log (FOLIO_SLOW_QUERY_MS=0), shortened
-- with aliases. Folio prepares each statement and has PostgreSQL plan it once, for any
-- parameter values (generic plans), so they are prepared and explained the same way.
SET plan_cache_mode = force_generic_plan;
SELECT id AS tag_id FROM tags WHERE name = 'tag7' \gset
SELECT id AS author_id FROM users WHERE lower(username) = lower('user1') \gset
SELECT id AS fan_id FROM users WHERE lower(username) = lower('user2') \gset
SELECT id AS reader_id FROM users WHERE lower(username) = lower('user0') \gset
SELECT ARRAY(SELECT id FROM articles ORDER BY created_at DESC LIMIT 20) AS page_articles,
       ARRAY(SELECT author_id FROM articles ORDER BY created_at DESC LIMIT 20) AS page_authors \gset
\set columns 'a.id, a.slug, a.title, a.description, a.favorites_count, a.created_at, a.updated_at, a.tag_names, u.id, u.username, u.bio, u.image'
\set explain 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) EXECUTE'

PREPARE total AS SELECT sum(articles) FROM article_totals;
PREPARE page(bigint, bigint) AS
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2;
PREPARE tag(text) AS SELECT id, article_count FROM tags WHERE name = $1;
PREPARE tag_page(bigint, bigint, bigint) AS
SELECT :columns FROM article_tags l
JOIN articles a ON a.id = l.article_id JOIN users u ON a.author_id = u.id
WHERE l.tag_id = $1
ORDER BY l.article_created_at DESC, l.article_id DESC LIMIT $2 OFFSET $3;
PREPARE author(text) AS SELECT id, article_count FROM users WHERE lower(username) = lower($1);
PREPARE author_page(uuid, bigint, bigint) AS
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.author_id = $1
ORDER BY a.created_at DESC, a.id DESC LIMIT $2 OFFSET $3;
PREPARE fan_count(uuid) AS SELECT count(*) FROM favorites WHERE user_id = $1;
PREPARE fan_page(uuid, bigint, bigint) AS
SELECT :columns FROM favorites f
JOIN articles a ON a.id = f.article_id JOIN users u ON a.author_id = u.id
WHERE f.user_id = $1
ORDER BY f.article_created_at DESC, f.article_id DESC LIMIT $2 OFFSET $3;
PREPARE feed_total(uuid) AS
SELECT sum(u.article_count) FROM follows f JOIN users u ON u.id = f.followee_id
WHERE f.follower_id = $1;
PREPARE feed_page(bigint, uuid, bigint, bigint) AS
SELECT :columns FROM (SELECT newest.id, newest.created_at FROM follows f
  CROSS JOIN LATERAL (SELECT w.id, w.created_at FROM articles w
                      WHERE w.author_id = f.followee_id
                      ORDER BY w.created_at DESC, w.id DESC LIMIT $1) newest
  WHERE f.follower_id = $2
  ORDER BY newest.created_at DESC, newest.id DESC LIMIT $3 OFFSET $4) page
JOIN articles a ON a.id = page.id JOIN users u ON u.id = a.author_id
ORDER BY a.created_at DESC, a.id DESC;
PREPARE combined_count(bigint, uuid) AS
SELECT count(*) FROM articles a
WHERE a.id = ANY (SELECT l.article_id FROM article_tags l WHERE l.tag_id = $1)
  AND a.author_id = $2;
PREPARE viewer_facts(uuid, uuid[], uuid[]) AS
SELECT true, f.article_id FROM favorites f
WHERE f.user_id = $1 AND f.article_id = ANY ($2)
UNION ALL
SELECT false, fo.followee_id FROM follows fo
WHERE fo.follower_id = $1 AND fo.followee_id = ANY ($3);
PREPARE tag_list(bigint) AS
SELECT name FROM tags WHERE article_count > 0
ORDER BY article_count DESC, name LIMIT $1;

\echo '== global list: total'
:explain total;
\echo '== global list: page'
:explain page(20, 0);
\echo '== by tag: the tag and its count'
:explain tag('tag7');
\echo '== by tag: page'
:explain tag_page(:tag_id, 20, 0);
\echo '== by author: the author and their count'
:explain author('user1');
\echo '== by author: page'
:explain author_page(:'author_id', 20, 0);
\echo '== favorited by: count'
:explain fan_count(:'fan_id');
\echo '== favorited by: page'
:explain fan_page(:'fan_id', 20, 0);
\echo '== feed: total'
:explain feed_total(:'reader_id');
\echo '== feed: page'
:explain feed_page(20, :'reader_id', 20, 0);
\echo '== tag and author combined: exact count'
:explain combined_count(:tag_id, :'author_id');
\echo '== viewer facts of the first page'
:explain viewer_facts(:'reader_id', :'page_articles', :'page_authors');
\echo '== the tag list'
:explain tag_list(1000);
