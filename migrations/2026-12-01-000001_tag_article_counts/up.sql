-- The tag list ranks tags by how many articles carry them. Keeping that number on
-- the tag turns the list into a walk of one small index instead of an aggregate
-- over every article-tag link. A trigger keeps it, so every path that adds or
-- removes a link (including cascades from deleted articles) counts.
-- No link may change between the recount and the trigger (instances still running
-- the previous version keep writing during a rolling deploy).
LOCK TABLE article_tags IN SHARE ROW EXCLUSIVE MODE;

ALTER TABLE tags
    ADD COLUMN article_count integer NOT NULL DEFAULT 0 CHECK (article_count >= 0);

UPDATE tags
SET article_count = links.n
FROM (SELECT tag_id, count(*) AS n FROM article_tags GROUP BY tag_id) AS links
WHERE links.tag_id = tags.id;

CREATE FUNCTION count_article_tag_links() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE tags SET article_count = article_count - 1 WHERE id = OLD.tag_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE tags SET article_count = article_count + 1 WHERE id = NEW.tag_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_tags_counted
    AFTER INSERT OR DELETE OR UPDATE OF tag_id ON article_tags
    FOR EACH ROW EXECUTE FUNCTION count_article_tag_links();

-- The tag list: most used first, then by name; unused tags are not listed.
CREATE INDEX tags_popular_idx ON tags (article_count DESC, name) WHERE article_count > 0;
