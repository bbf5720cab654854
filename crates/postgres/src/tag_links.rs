//! The links between articles and tags, and the row locks that keep their counts
//! free of deadlocks.
//!
//! Triggers do the bookkeeping (see the migration `article_list_counts`): a link
//! added or removed moves its tag's `article_count` and rewrites the article's
//! `tag_names`; an article added or deleted moves its author's `article_count` and one
//! `article_totals` slot, at commit. Each of those updates locks the row until
//! commit, so every writer takes the locks it needs in one order: the article's row,
//! the names of tags it creates (a second writer creating the same tag waits on the
//! first), the tags' rows by ascending id, and at commit the author's row and the
//! total slot. Concurrent publishes, edits and deletions then queue instead of
//! deadlocking, and so do the previous version's, which take the same order.

use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_domain::{TagList, TagName};
use uuid::Uuid;

use super::schema::{article_tags, articles, tags};

type DieselResult<T> = Result<T, diesel::result::Error>;

/// Links `article`, whose row the caller has locked, to exactly the tags `wanted`
/// (from [`ensure_tags`]); only the links that differ change.
pub(super) async fn replace_links(
    conn: &mut AsyncPgConnection,
    article: Uuid,
    wanted: &[i64],
) -> DieselResult<()> {
    let linked = linked_tags(conn, article).await?;
    let involved: Vec<i64> = wanted.iter().chain(&linked).copied().collect();
    lock_tag_counts(conn, &involved).await?;
    diesel::delete(
        article_tags::table
            .filter(article_tags::article_id.eq(article))
            .filter(diesel::dsl::not(article_tags::tag_id.eq_any(wanted))),
    )
    .execute(conn)
    .await?;
    let added: Vec<i64> = wanted
        .iter()
        .copied()
        .filter(|tag| !linked.contains(tag))
        .collect();
    insert_links(conn, article, &added).await
}

/// Locks the rows deleting `article` updates before commit, in the module's order:
/// the article's, then its tags' (the cascade to its links moves their counts in no
/// particular order). False when the article does not exist.
pub(super) async fn lock_for_deletion(
    conn: &mut AsyncPgConnection,
    article: Uuid,
) -> DieselResult<bool> {
    let found: Option<Uuid> = articles::table
        .find(article)
        .select(articles::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    if found.is_none() {
        return Ok(false);
    }
    let linked = linked_tags(conn, article).await?;
    lock_tag_counts(conn, &linked).await?;
    Ok(true)
}

async fn linked_tags(conn: &mut AsyncPgConnection, article: Uuid) -> DieselResult<Vec<i64>> {
    article_tags::table
        .filter(article_tags::article_id.eq(article))
        .select(article_tags::tag_id)
        .load(conn)
        .await
}

/// Links `article` to `tag_ids`, in the order given: callers pass ascending ids (from
/// [`ensure_tags`]), so the links take the tags' rows in the module's order. A trigger
/// stamps each with the article's creation time, the order of by-tag lists.
pub(super) async fn insert_links(
    conn: &mut AsyncPgConnection,
    article: Uuid,
    tag_ids: &[i64],
) -> DieselResult<()> {
    if tag_ids.is_empty() {
        return Ok(());
    }
    let links: Vec<_> = tag_ids
        .iter()
        .map(|tag| {
            (
                article_tags::article_id.eq(article),
                article_tags::tag_id.eq(*tag),
            )
        })
        .collect();
    diesel::insert_into(article_tags::table)
        .values(links)
        .execute(conn)
        .await?;
    Ok(())
}

/// The ids of the tags named in `list`, in ascending order, creating missing ones
/// (in name order, so two writers creating the same names take them in one order).
pub(super) async fn ensure_tags(
    conn: &mut AsyncPgConnection,
    list: &TagList,
) -> DieselResult<Vec<i64>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = list.iter().map(TagName::as_str).collect();
    let rows: Vec<_> = names.iter().map(|name| tags::name.eq(*name)).collect();
    diesel::insert_into(tags::table)
        .values(rows)
        .on_conflict(tags::name)
        .do_nothing()
        .execute(conn)
        .await?;
    tags::table
        .filter(tags::name.eq_any(&names))
        .select(tags::id)
        .order(tags::id.asc())
        .load(conn)
        .await
}

/// Takes the count rows of `tag_ids` in ascending id order.
async fn lock_tag_counts(conn: &mut AsyncPgConnection, tag_ids: &[i64]) -> DieselResult<()> {
    if tag_ids.is_empty() {
        return Ok(());
    }
    tags::table
        .filter(tags::id.eq_any(tag_ids))
        .select(tags::id)
        .order(tags::id.asc())
        .for_no_key_update()
        .load::<i64>(conn)
        .await?;
    Ok(())
}
