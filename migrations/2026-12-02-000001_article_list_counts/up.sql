-- Article lists answer "how many match" and "which tags" on every request. These
-- copies turn both into reads of a few rows instead of work over every article:
--   articles.tag_names               the article's tag names, sorted, read with its row;
--   article_tags.article_created_at  the by-tag page walks one index in list order;
--   users.article_count              "how many by this author" and the feed's total;
--   article_totals                   "how many in all", spread over slots so that
--                                    concurrent publishes do not queue on one row.
-- Triggers keep every copy, so each path that changes articles or links keeps them
-- right: cascades, hand-written SQL, and instances still running the previous
-- version during a rolling deploy (which know nothing of the copies). TRUNCATE
-- bypasses them.
--
-- Row locks are taken in one order by every writer, this version or the previous
-- one: the article's row, the names of tags being created, the tags' count rows by
-- ascending id, then at commit the author's row and the total slot (the article
-- counts are deferred to commit, which also keeps the hottest rows locked for the
-- shortest time). Changes by hand that take other rows first (deleting a tag locks
-- it before its articles) can deadlock with concurrent edits; PostgreSQL then
-- aborts one of them, to be retried.

-- The backfill must see every row and no writer may slip in before the triggers.
LOCK TABLE users, articles, article_tags IN ACCESS EXCLUSIVE MODE;

-- Tag names on the article ------------------------------------------------------
ALTER TABLE articles ADD COLUMN tag_names text[] NOT NULL DEFAULT '{}';
UPDATE articles
SET tag_names = linked.names
FROM (SELECT l.article_id, array_agg(t.name ORDER BY t.name COLLATE "C") AS names
      FROM article_tags l JOIN tags t ON t.id = l.tag_id
      GROUP BY l.article_id) AS linked
WHERE linked.article_id = articles.id;

-- Recomputes the names of the given articles, in byte order ("C"), the order of the
-- API's tagList. The articles are locked first, so that the recount, a statement of
-- its own with a fresh snapshot, sees the links of any writer that held them.
CREATE FUNCTION refresh_tag_names(article_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM articles WHERE id = ANY (article_ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE articles a
    SET tag_names = ARRAY(SELECT t.name FROM article_tags l JOIN tags t ON t.id = l.tag_id
                          WHERE l.article_id = a.id ORDER BY t.name COLLATE "C")
    WHERE a.id = ANY (article_ids);
END
$$;

CREATE FUNCTION name_linked_articles() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_tag_names(ARRAY(SELECT DISTINCT article_id FROM changed_links));
    RETURN NULL;
END
$$;
CREATE TRIGGER article_tags_named_after_insert
    AFTER INSERT ON article_tags REFERENCING NEW TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION name_linked_articles();
CREATE TRIGGER article_tags_named_after_delete
    AFTER DELETE ON article_tags REFERENCING OLD TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION name_linked_articles();

-- Links moved to another article or tag, and renamed tags (neither is done by Folio).
CREATE FUNCTION name_relinked_articles() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_tag_names(ARRAY[OLD.article_id, NEW.article_id]);
    RETURN NULL;
END
$$;
CREATE TRIGGER article_tags_named_after_update
    AFTER UPDATE OF article_id, tag_id ON article_tags
    FOR EACH ROW EXECUTE FUNCTION name_relinked_articles();

CREATE FUNCTION name_articles_of_renamed_tag() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_tag_names(ARRAY(SELECT article_id FROM article_tags WHERE tag_id = NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER tags_renamed
    AFTER UPDATE OF name ON tags
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION name_articles_of_renamed_tag();

-- Creation time on the links ------------------------------------------------------
ALTER TABLE article_tags ADD COLUMN article_created_at timestamptz;
UPDATE article_tags
SET article_created_at = articles.created_at
FROM articles
WHERE articles.id = article_tags.article_id;
ALTER TABLE article_tags ALTER COLUMN article_created_at SET NOT NULL;

-- For any row with `article_id` and `article_created_at`.
CREATE FUNCTION stamp_article_created_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT created_at INTO NEW.article_created_at FROM articles WHERE id = NEW.article_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER article_tags_stamped
    BEFORE INSERT OR UPDATE OF article_id ON article_tags
    FOR EACH ROW EXECUTE FUNCTION stamp_article_created_at();

-- Folio never changes a creation time; a correction by hand moves the links too.
CREATE FUNCTION copy_article_created_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET article_created_at = NEW.created_at WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_created_at_copied
    AFTER UPDATE OF created_at ON articles
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION copy_article_created_at();

-- Lists filtered by tag, newest first: replaces the unordered (tag_id, article_id).
DROP INDEX article_tags_tag_idx;
CREATE INDEX article_tags_tag_recent_idx
    ON article_tags (tag_id, article_created_at DESC, article_id DESC);

-- Article counts -------------------------------------------------------------------
ALTER TABLE users
    ADD COLUMN article_count integer NOT NULL DEFAULT 0 CHECK (article_count >= 0);
UPDATE users
SET article_count = written.n
FROM (SELECT author_id, count(*) AS n FROM articles GROUP BY author_id) AS written
WHERE written.author_id = users.id;

CREATE TABLE article_totals (
    slot     smallint PRIMARY KEY CHECK (slot BETWEEN 0 AND 15),
    articles integer NOT NULL CHECK (articles >= 0)
);
-- Which slot counts an article: fixed by its id, so its deletion finds it again.
CREATE FUNCTION article_total_slot(article uuid) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashtext(article::text) & 15)::smallint $$;
INSERT INTO article_totals (slot, articles)
SELECT slot, 0 FROM generate_series(0, 15) AS slot;
UPDATE article_totals
SET articles = per_slot.n
FROM (SELECT article_total_slot(id) AS slot, count(*) AS n FROM articles GROUP BY 1) AS per_slot
WHERE per_slot.slot = article_totals.slot;

CREATE FUNCTION count_articles() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE users SET article_count = article_count - 1 WHERE id = OLD.author_id;
        UPDATE article_totals SET articles = articles - 1
        WHERE slot = article_total_slot(OLD.id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE users SET article_count = article_count + 1 WHERE id = NEW.author_id;
        UPDATE article_totals SET articles = articles + 1
        WHERE slot = article_total_slot(NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER articles_counted
    AFTER INSERT OR DELETE OR UPDATE OF author_id ON articles
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_articles();
