-- Full-text search over articles, typo suggestions, and the indexes search filters
-- and sorts walk (see docs/search.md).
--
--   articles.author_username   the author's username, copied so that it can be part of
--                              the article's search document (a generated column can
--                              only read its own row); triggers keep it.
--   articles.search_document   weighted tsvector, generated: title A, description and
--                              tag names B, body C, author username D.
--   search_settings            the text search configuration the document is built
--                              with; folio_use_search_language() rebuilds the document
--                              when a deployment asks for another one.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The backfill must see every row and no writer may slip in before the triggers.
LOCK TABLE users, articles IN ACCESS EXCLUSIVE MODE;

ALTER TABLE articles ADD COLUMN author_username text NOT NULL DEFAULT '';
UPDATE articles SET author_username = users.username
FROM users WHERE users.id = articles.author_id;

CREATE FUNCTION stamp_author_username() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.author_username := (SELECT username FROM users WHERE id = NEW.author_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER articles_author_named
    BEFORE INSERT OR UPDATE OF author_id ON articles
    FOR EACH ROW EXECUTE FUNCTION stamp_author_username();

CREATE FUNCTION copy_author_username() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE articles SET author_username = NEW.username WHERE author_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_username_copied
    AFTER UPDATE OF username ON users
    FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION copy_author_username();

-- array_to_string is only STABLE (it could call any element type's output function);
-- for text[] it is immutable, which a generated column needs.
CREATE FUNCTION search_tag_text(names text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN array_to_string(names, ' ');

CREATE TABLE search_settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    language regconfig NOT NULL
);

-- (Re)builds the search document with `language` unless it is built with it already.
-- Rewrites the articles table: run at start-up under the migration lock, not per request.
CREATE FUNCTION folio_use_search_language(language regconfig) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM search_settings WHERE search_settings.language = $1) THEN
        RETURN;
    END IF;
    LOCK TABLE articles IN ACCESS EXCLUSIVE MODE;
    DROP INDEX IF EXISTS articles_search_idx;
    ALTER TABLE articles DROP COLUMN IF EXISTS search_document;
    EXECUTE format(
        'ALTER TABLE articles ADD COLUMN search_document tsvector GENERATED ALWAYS AS ('
        '  setweight(to_tsvector(%1$L::regconfig, title), ''A'')'
        '  || setweight(to_tsvector(%1$L::regconfig, description), ''B'')'
        '  || setweight(to_tsvector(%1$L::regconfig, search_tag_text(tag_names)), ''B'')'
        '  || setweight(to_tsvector(%1$L::regconfig, body), ''C'')'
        '  || setweight(to_tsvector(%1$L::regconfig, author_username), ''D'')'
        ') STORED',
        $1::text);
    CREATE INDEX articles_search_idx ON articles USING gin (search_document);
    INSERT INTO search_settings (language) VALUES ($1)
    ON CONFLICT (singleton) DO UPDATE SET language = excluded.language;
END
$$;

SELECT folio_use_search_language('english');

-- "Did you mean": trigram similarity of the query's words to title words and tags.
CREATE INDEX articles_title_trgm_idx ON articles USING gin (title gin_trgm_ops);
CREATE INDEX tags_name_trgm_idx ON tags USING gin (name gin_trgm_ops);

-- sort=popular and minFavorites; the recent order, author and tag filters already have
-- articles_recent_idx, articles_author_recent_idx and article_tags_tag_recent_idx.
CREATE INDEX articles_popular_idx ON articles (favorites_count DESC, created_at DESC, id DESC);
