DROP INDEX favorites_user_recent_idx;
CREATE OR REPLACE FUNCTION copy_article_created_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET article_created_at = NEW.created_at WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
DROP TRIGGER favorites_stamped ON favorites;
ALTER TABLE favorites DROP COLUMN article_created_at;
