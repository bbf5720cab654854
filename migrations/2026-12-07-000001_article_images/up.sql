-- An article's picture: an https URL elsewhere, or the path of one of the author's
-- uploads (`/api/v1/files/...`). Nullable without a default, so adding it rewrites
-- nothing and takes its lock only for a moment.
ALTER TABLE articles ADD COLUMN image text CHECK (char_length(image) <= 2048);
