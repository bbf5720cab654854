DROP TRIGGER articles_counted ON articles;
DROP FUNCTION count_articles();
DROP TABLE article_totals;
DROP FUNCTION article_total_slot(uuid);
ALTER TABLE users DROP COLUMN article_count;
DROP INDEX article_tags_tag_recent_idx;
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);
ALTER TABLE article_tags DROP COLUMN article_created_at;
ALTER TABLE articles DROP COLUMN tag_names;
