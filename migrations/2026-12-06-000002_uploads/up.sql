-- Uploaded images. The bytes live in the blob store under storage_key, a name Folio
-- makes from the owner and the content's hash; the client's file name is kept only
-- as metadata. Deleting an upload sets deleted_at (its files are removed then); the
-- row stays for the cleanup of files a failure left behind.
CREATE TABLE uploads (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text CHECK (purpose IN ('avatar', 'article_image')),
    -- SHA-256 of the bytes received.
    sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
    -- Bytes stored (the image without its metadata): what the quota counts.
    size bigint NOT NULL CHECK (size >= 0),
    content_type text NOT NULL
        CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/gif')),
    width integer NOT NULL CHECK (width > 0),
    height integer NOT NULL CHECK (height > 0),
    status text NOT NULL DEFAULT 'processing'
        CHECK (status IN ('processing', 'ready', 'failed')),
    storage_key text NOT NULL,
    original_name text NOT NULL CHECK (char_length(original_name) <= 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    attached_at timestamptz,
    deleted_at timestamptz
);
-- A user's identical uploads are stored once; the quota sums `size` from here.
CREATE UNIQUE INDEX uploads_owner_content_key ON uploads (owner_id, sha256) INCLUDE (size)
    WHERE deleted_at IS NULL;
-- Serving a file finds its upload by the file's name.
CREATE INDEX uploads_storage_key_idx ON uploads (storage_key) WHERE deleted_at IS NULL;
-- The cleanup of uploads never attached, oldest first.
CREATE INDEX uploads_unattached_idx ON uploads (created_at)
    WHERE attached_at IS NULL AND deleted_at IS NULL;
