DROP TRIGGER users_username_keyed ON users;
DROP FUNCTION key_username();
DROP INDEX users_username_lower_idx;
DROP INDEX users_username_key;
ALTER TABLE users DROP COLUMN username_key;
DROP FUNCTION fold_username(text);
DROP TABLE username_case_folds;
-- Fails if two names differ by key but not by lower() ("İ" folds to "i" with a dot
-- above, lower() makes it "i"); rename one of them first.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
