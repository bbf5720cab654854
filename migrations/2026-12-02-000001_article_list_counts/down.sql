DROP TRIGGER articles_counted ON articles;
DROP FUNCTION count_articles();
DROP TABLE article_totals;
DROP FUNCTION article_total_slot(uuid);
ALTER TABLE users DROP COLUMN article_count;

DROP INDEX article_tags_tag_recent_idx;
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);
DROP TRIGGER articles_created_at_copied ON articles;
DROP FUNCTION copy_article_created_at();
DROP TRIGGER article_tags_stamped ON article_tags;
DROP FUNCTION stamp_article_created_at();
ALTER TABLE article_tags DROP COLUMN article_created_at;

DROP TRIGGER tags_renamed ON tags;
DROP FUNCTION name_articles_of_renamed_tag();
DROP TRIGGER article_tags_named_after_update ON article_tags;
DROP FUNCTION name_relinked_articles();
DROP TRIGGER article_tags_named_after_delete ON article_tags;
DROP TRIGGER article_tags_named_after_insert ON article_tags;
DROP FUNCTION name_linked_articles();
DROP FUNCTION refresh_tag_names(uuid[]);
ALTER TABLE articles DROP COLUMN tag_names;
