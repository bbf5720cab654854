// @generated automatically by Diesel CLI.

//! Diesel's view of the tables in `migrations/`: what `diesel print-schema` prints
//! (configured by `diesel.toml` at the workspace root) with `schema.patch` applied.
//! `scripts/check-schema.sh` (`make schema`, part of `make test`) migrates a scratch
//! database and fails when this file differs; `scripts/check-schema.sh --write`
//! regenerates it. Edits that the database cannot express go into `schema.patch`.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Uuid,
        tag_id -> Int8,
        article_created_at -> Timestamptz,
    }
}

diesel::table! {
    article_totals (slot) {
        slot -> Int2,
        articles -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    articles (id) {
        id -> Uuid,
        slug -> Text,
        author_id -> Uuid,
        title -> Text,
        description -> Text,
        body -> Text,
        favorites_count -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        /// No element is NULL (a trigger copies them from `tags.name`): not a thing
        /// the database can declare.
        tag_names -> Array<Text>,
        author_username -> Text,
        search_document -> Nullable<Tsvector>,
        image -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        event_type -> Text,
        actor_user_id -> Nullable<Uuid>,
        subject_user_id -> Nullable<Uuid>,
        session_id -> Nullable<Uuid>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        request_id -> Nullable<Text>,
        outcome -> Text,
        details -> Jsonb,
    }
}

diesel::table! {
    comments (id) {
        id -> Int8,
        article_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    favorites (user_id, article_id) {
        user_id -> Uuid,
        article_id -> Uuid,
        created_at -> Timestamptz,
        article_created_at -> Timestamptz,
    }
}

diesel::table! {
    follows (follower_id, followee_id) {
        follower_id -> Uuid,
        followee_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    jobs (id) {
        id -> Int8,
        kind -> Text,
        payload -> Jsonb,
        state -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        run_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        recipient_id -> Uuid,
        kind -> Text,
        actor_id -> Nullable<Uuid>,
        article_id -> Nullable<Uuid>,
        comment_id -> Nullable<Int8>,
        upload_id -> Nullable<Uuid>,
        source_sequence -> Int8,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        name -> Text,
        payload -> Jsonb,
        occurred_at -> Timestamptz,
    }
}

diesel::table! {
    outbox_relay (singleton) {
        singleton -> Bool,
        last_published -> Int8,
        last_id -> Int8,
        horizon_id -> Int8,
        /// No element is NULL (virtual transaction ids read from `pg_locks`).
        horizon_writers -> Array<Text>,
    }
}

diesel::table! {
    search_queries (id) {
        id -> Int8,
        searched_at -> Timestamptz,
        query -> Nullable<Text>,
        filters -> Jsonb,
        results -> Int8,
        latency_ms -> Float8,
        user_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    tags (id) {
        id -> Int8,
        name -> Text,
        article_count -> Int4,
    }
}

diesel::table! {
    uploads (id) {
        id -> Uuid,
        owner_id -> Uuid,
        purpose -> Nullable<Text>,
        sha256 -> Bytea,
        size -> Int8,
        content_type -> Text,
        width -> Int4,
        height -> Int4,
        status -> Text,
        storage_key -> Text,
        original_name -> Text,
        created_at -> Timestamptz,
        attached_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        email -> Text,
        password_hash -> Text,
        bio -> Nullable<Text>,
        image -> Nullable<Text>,
        role -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        suspended_at -> Nullable<Timestamptz>,
        article_count -> Int4,
        /// `UsernameKey` of `username`: what names are unique by and looked up by.
        username_key -> Text,
    }
}

diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(articles -> users (author_id));
diesel::joinable!(comments -> articles (article_id));
diesel::joinable!(comments -> users (author_id));
diesel::joinable!(favorites -> articles (article_id));
diesel::joinable!(favorites -> users (user_id));
diesel::joinable!(search_queries -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(uploads -> users (owner_id));

diesel::allow_tables_to_appear_in_same_query!(
    article_tags,
    article_totals,
    articles,
    audit_events,
    comments,
    favorites,
    follows,
    jobs,
    notifications,
    outbox,
    outbox_relay,
    search_queries,
    sessions,
    tags,
    uploads,
    users,
);
