-- "Favorited by" lists, newest article first, walk one index of the fan's favorites
-- instead of reading every favorite and sorting: each favorite copies its article's
-- creation time, as article_tags does (and by the same triggers' rules).

-- The backfill must see every row and no writer may slip in before the trigger.
LOCK TABLE articles, favorites IN ACCESS EXCLUSIVE MODE;

ALTER TABLE favorites ADD COLUMN article_created_at timestamptz;
UPDATE favorites
SET article_created_at = articles.created_at
FROM articles
WHERE articles.id = favorites.article_id;
ALTER TABLE favorites ALTER COLUMN article_created_at SET NOT NULL;

CREATE TRIGGER favorites_stamped
    BEFORE INSERT OR UPDATE OF article_id ON favorites
    FOR EACH ROW EXECUTE FUNCTION stamp_article_created_at();

-- A creation time corrected by hand moves the favorites too.
CREATE OR REPLACE FUNCTION copy_article_created_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET article_created_at = NEW.created_at WHERE article_id = NEW.id;
    UPDATE favorites SET article_created_at = NEW.created_at WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;

-- Replaces the primary key's use for these lists; the key still serves lookups.
CREATE INDEX favorites_user_recent_idx
    ON favorites (user_id, article_created_at DESC, article_id DESC);
