-- The plans of the list queries, as Folio sends them (taken from its slow-query log
-- with FOLIO_SLOW_QUERY_MS=0), on the database `BENCH_KEEP=1 make bench` leaves:
--   psql postgres://postgres@127.0.0.1:5432/folio_bench -f bench/explain.sql
\set page 'ORDER BY a.created_at DESC, a.id DESC LIMIT 20 OFFSET 0'
\set columns 'a.id, a.slug, a.title, a.description, a.favorites_count, a.created_at, a.updated_at, u.id, u.username, u.bio, u.image'

\echo '== global list: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id :page;
\echo '== global list: count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM articles a;

\echo '== by tag: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.id = ANY (SELECT at.article_id FROM article_tags at JOIN tags t ON at.tag_id = t.id WHERE t.name = 'tag7')
:page;

\echo '== by author: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.author_id = ANY (SELECT authors.id FROM users authors WHERE lower(authors.username) = lower('user1'))
:page;

\echo '== favorited by: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.id = ANY (SELECT f.article_id FROM favorites f
                  WHERE f.user_id = ANY (SELECT fans.id FROM users fans WHERE lower(fans.username) = lower('user2')))
:page;

\echo '== feed: page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT :columns FROM articles a JOIN users u ON a.author_id = u.id
WHERE a.author_id = ANY (SELECT followee_id FROM follows
                         WHERE follower_id = (SELECT id FROM users WHERE username = 'user0'))
:page;

\echo '== feed: count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM articles a
WHERE a.author_id = ANY (SELECT followee_id FROM follows
                         WHERE follower_id = (SELECT id FROM users WHERE username = 'user0'));

\echo '== viewer facts of a page (favorited, following)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT true, f.article_id FROM favorites f
WHERE f.user_id = (SELECT id FROM users WHERE username = 'user0')
  AND f.article_id = ANY (ARRAY(SELECT id FROM articles ORDER BY created_at DESC LIMIT 20))
UNION ALL
SELECT false, fo.followee_id FROM follows fo
WHERE fo.follower_id = (SELECT id FROM users WHERE username = 'user0')
  AND fo.followee_id = ANY (ARRAY(SELECT author_id FROM articles ORDER BY created_at DESC LIMIT 20));

\echo '== tags of a page of articles'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT at.article_id, t.name FROM article_tags at JOIN tags t ON at.tag_id = t.id
WHERE at.article_id = ANY (ARRAY(SELECT id FROM articles ORDER BY created_at DESC LIMIT 20))
ORDER BY t.name;

\echo '== the tag list'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT name FROM tags WHERE article_count > 0
ORDER BY article_count DESC, name LIMIT 1000;
