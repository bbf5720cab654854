-- The plans of the list queries, as Folio sends them (taken from its slow-query log
-- with FOLIO_SLOW_QUERY_MS=0), on the database `BENCH_KEEP=1 make bench` leaves:
--   psql postgres://postgres@127.0.0.1:5432/folio_bench -f bench/explain.sql
-- Folio binds ids as parameters; here they are looked up first and inlined.
\set page 'LIMIT 20 OFFSET 0'
\set columns 'a.id, a.slug, a.title, a.description, a.favorites_count, a.created_at, a.updated_at, a.tag_names, u.id, u.username, u.bio, u.image'
SELECT id AS tag_id FROM tags WHERE name = 'tag7' \gset
SELECT id AS author_id FROM users WHERE lower(username) = lower('user1') \gset
SELECT id AS fan_id FROM users WHERE lower(username) = lower('user2') \gset
SELECT id AS reader_id FROM users WHERE lower(username) = lower('user0') \gset

\echo '== global list: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
ORDER BY a.created_at DESC, a.id DESC :page;
\echo '== global list: total (stored)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT sum(articles) FROM article_totals;

\echo '== by tag: the tag and its stored count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT id, article_count FROM tags WHERE name = 'tag7';
\echo '== by tag: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM article_tags l
JOIN articles a ON a.id = l.article_id JOIN users u ON a.author_id = u.id
WHERE l.tag_id = :tag_id
ORDER BY l.article_created_at DESC, l.article_id DESC :page;

\echo '== by author: the author and their stored count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT id, article_count FROM users WHERE lower(username) = lower('user1');
\echo '== by author: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.author_id = :'author_id'
ORDER BY a.created_at DESC, a.id DESC :page;

\echo '== favorited by: count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM favorites WHERE user_id = :'fan_id';
\echo '== favorited by: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.id = ANY (SELECT f.article_id FROM favorites f WHERE f.user_id = :'fan_id')
ORDER BY a.created_at DESC, a.id DESC :page;

\echo '== feed: total (stored per author)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT sum(u.article_count) FROM follows f JOIN users u ON u.id = f.followee_id
WHERE f.follower_id = :'reader_id';
\echo '== feed: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.author_id = ANY (SELECT followee_id FROM follows WHERE follower_id = :'reader_id')
ORDER BY a.created_at DESC, a.id DESC :page;

\echo '== filters combined (tag and author): exact count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM articles a
WHERE a.id = ANY (SELECT l.article_id FROM article_tags l WHERE l.tag_id = :tag_id)
  AND a.author_id = :'author_id';

\echo '== viewer facts of a page (favorited, following)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT true, f.article_id FROM favorites f
WHERE f.user_id = :'reader_id'
  AND f.article_id = ANY (ARRAY(SELECT id FROM articles ORDER BY created_at DESC LIMIT 20))
UNION ALL
SELECT false, fo.followee_id FROM follows fo
WHERE fo.follower_id = :'reader_id'
  AND fo.followee_id = ANY (ARRAY(SELECT author_id FROM articles ORDER BY created_at DESC LIMIT 20));

\echo '== the tag list'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT name FROM tags WHERE article_count > 0
ORDER BY article_count DESC, name LIMIT 1000;
