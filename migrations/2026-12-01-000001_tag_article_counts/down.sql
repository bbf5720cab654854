DROP INDEX tags_popular_idx;
DROP TRIGGER article_tags_counted ON article_tags;
DROP FUNCTION count_article_tag_links();
ALTER TABLE tags DROP COLUMN article_count;
