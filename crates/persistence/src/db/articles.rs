use std::collections::HashMap;

use diesel::sql_types::Bool;
use diesel::{
    AsChangeset, CombineDsl, ExpressionMethods, Insertable, IntoSql, OptionalExtension, QueryDsl,
    SelectableHelper,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{
    ArticleChanges, ArticlePage, ArticleQuery, ArticleRepository, NewArticle, PortError,
    ViewerFacts,
};
use folio_domain::{Article, ArticleId, Slug, TagList, TagName, Timestamp, UserId};
use uuid::Uuid;

use super::Database;
use super::errors::query_error;
use super::rows::{ArticleRow, ArticleSummaryRow, ProfileRow, lower};
use super::schema::{article_tags, articles, favorites, follows, tags, users};

type DieselResult<T> = Result<T, diesel::result::Error>;

#[derive(Clone)]
pub struct PgArticleRepository {
    db: Database,
}

impl PgArticleRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Insertable)]
#[diesel(table_name = articles)]
struct ArticleInsert<'a> {
    id: Uuid,
    slug: &'a str,
    author_id: Uuid,
    title: &'a str,
    description: &'a str,
    body: &'a str,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(AsChangeset)]
#[diesel(table_name = articles)]
struct ArticleChangeset {
    slug: Option<String>,
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    updated_at: Option<Timestamp>,
}

/// Narrows a boxed query over `articles` (alone or joined) to what `$query` asks
/// for. The predicates name only `articles` columns and subqueries, so the count can
/// skip the join with `users` that the page needs; a macro because the two boxed
/// types differ and diesel's bounds for a generic function would hide the logic.
macro_rules! filtered {
    ($boxed:expr, $query:expr) => {{
        let query: &ArticleQuery = $query;
        let mut boxed = $boxed;
        if let Some(tag) = &query.filter.tag {
            boxed = boxed.filter(
                articles::id.eq_any(
                    article_tags::table
                        .inner_join(tags::table)
                        .filter(tags::name.eq(tag.clone()))
                        .select(article_tags::article_id),
                ),
            );
        }
        if let Some(author) = &query.filter.author {
            boxed = boxed.filter(
                articles::author_id.eq_any(
                    AUTHORS
                        .filter(lower(AUTHORS.field(users::username)).eq(lower(author.clone())))
                        .select(AUTHORS.field(users::id)),
                ),
            );
        }
        if let Some(fan) = &query.filter.favorited_by {
            boxed = boxed.filter(
                articles::id.eq_any(
                    favorites::table
                        .filter(
                            favorites::user_id.eq_any(
                                FANS.filter(
                                    lower(FANS.field(users::username)).eq(lower(fan.clone())),
                                )
                                .select(FANS.field(users::id)),
                            ),
                        )
                        .select(favorites::article_id),
                ),
            );
        }
        if let Some(follower) = query.followed_by {
            boxed = boxed.filter(
                articles::author_id.eq_any(
                    follows::table
                        .filter(follows::follower_id.eq(follower.as_uuid()))
                        .select(follows::followee_id),
                ),
            );
        }
        boxed
    }};
}

// Subqueries on `users` get aliases: the page query joins `users` as the author.
diesel::alias!(users as AUTHORS: AuthorsAlias, users as FANS: FansAlias);

/// The sorted tag names of each article, in one query for the whole batch.
async fn tags_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> DieselResult<HashMap<Uuid, Vec<String>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let pairs: Vec<(Uuid, String)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(ids))
        .order(tags::name.asc())
        .select((article_tags::article_id, tags::name))
        .load(conn)
        .await?;
    let mut by_article: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (article, tag) in pairs {
        by_article.entry(article).or_default().push(tag);
    }
    Ok(by_article)
}

async fn load_article(
    conn: &mut AsyncPgConnection,
    filter_by: ArticleKey<'_>,
) -> DieselResult<Option<Article>> {
    let base = articles::table.inner_join(users::table).into_boxed();
    let base = match filter_by {
        ArticleKey::Id(id) => base.filter(articles::id.eq(id)),
        ArticleKey::Slug(slug) => base.filter(articles::slug.eq(slug.to_owned())),
    };
    let row: Option<(ArticleRow, ProfileRow)> = base
        .select((ArticleRow::as_select(), ProfileRow::as_select()))
        .first(conn)
        .await
        .optional()?;
    let Some((article, author)) = row else {
        return Ok(None);
    };
    let mut tags = tags_of(conn, &[article.id]).await?;
    let article_tags = tags.remove(&article.id).unwrap_or_default();
    Ok(Some(article.into_domain(author, article_tags)))
}

enum ArticleKey<'a> {
    Id(Uuid),
    Slug(&'a str),
}

/// Links `article` to exactly `list`, creating tag rows as needed.
///
/// Every link added or removed moves its tag's `article_count` (a trigger), which
/// locks that tag's row until commit. All writers take those locks in one order,
/// after the article's own row and by ascending tag id, before touching a link:
/// concurrent publishes, edits and deletions sharing tags then queue instead of
/// deadlocking.
async fn replace_tags(
    conn: &mut AsyncPgConnection,
    article: Uuid,
    list: &TagList,
) -> DieselResult<()> {
    let wanted = ensure_tags(conn, list).await?;
    let linked: Vec<i64> = article_tags::table
        .filter(article_tags::article_id.eq(article))
        .select(article_tags::tag_id)
        .load(conn)
        .await?;
    let involved: Vec<i64> = wanted.iter().chain(&linked).copied().collect();
    lock_tag_counts(conn, &involved).await?;
    diesel::delete(
        article_tags::table
            .filter(article_tags::article_id.eq(article))
            .filter(diesel::dsl::not(article_tags::tag_id.eq_any(&wanted))),
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

/// Links a newly inserted article to `list`. Inserted in ascending tag id, its links
/// take the count rows in the order [`replace_tags`] describes.
async fn link_new_article(
    conn: &mut AsyncPgConnection,
    article: Uuid,
    list: &TagList,
) -> DieselResult<()> {
    let tag_ids = ensure_tags(conn, list).await?;
    insert_links(conn, article, &tag_ids).await
}

/// Inserts the links in the order given (callers pass ascending tag ids).
async fn insert_links(
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

/// The ids of the tags named in `list`, in ascending order, creating missing ones.
async fn ensure_tags(conn: &mut AsyncPgConnection, list: &TagList) -> DieselResult<Vec<i64>> {
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

/// Takes the count rows of `tag_ids` in ascending id order (see [`replace_tags`]).
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

/// Locks `article`'s row, then its tags' count rows, before it is deleted (the
/// cascade to its links moves the counts; see [`replace_tags`] for the order).
async fn lock_for_deletion(conn: &mut AsyncPgConnection, article: Uuid) -> DieselResult<bool> {
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
    let linked: Vec<i64> = article_tags::table
        .filter(article_tags::article_id.eq(article))
        .select(article_tags::tag_id)
        .load(conn)
        .await?;
    lock_tag_counts(conn, &linked).await?;
    Ok(true)
}

impl ArticleRepository for PgArticleRepository {
    async fn list(&self, query: ArticleQuery) -> Result<ArticlePage, PortError> {
        let mut conn = self.db.connection().await?;
        let total: i64 = filtered!(articles::table.into_boxed(), &query)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(query_error)?;
        let page = articles::table.inner_join(users::table).into_boxed();
        let rows: Vec<(ArticleSummaryRow, ProfileRow)> = filtered!(page, &query)
            .select((ArticleSummaryRow::as_select(), ProfileRow::as_select()))
            .order((articles::created_at.desc(), articles::id.desc()))
            .limit(i64::from(query.limit))
            .offset(i64::try_from(query.offset).unwrap_or(i64::MAX))
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        let ids: Vec<Uuid> = rows.iter().map(|(article, _)| article.id).collect();
        let mut tags = tags_of(&mut conn, &ids).await.map_err(query_error)?;
        let articles = rows
            .into_iter()
            .map(|(article, author)| {
                let article_tags = tags.remove(&article.id).unwrap_or_default();
                ArticleRow::from(article).into_domain(author, article_tags)
            })
            .collect();
        Ok(ArticlePage {
            articles,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Article>, PortError> {
        let mut conn = self.db.connection().await?;
        load_article(&mut conn, ArticleKey::Slug(slug.as_str()))
            .await
            .map_err(query_error)
    }

    async fn insert(&self, article: NewArticle) -> Result<Article, PortError> {
        let mut conn = self.db.connection().await?;
        let id = article.id.as_uuid();
        conn.transaction(async |conn| {
            diesel::insert_into(articles::table)
                .values(ArticleInsert {
                    id,
                    slug: article.slug.as_str(),
                    author_id: article.author_id.as_uuid(),
                    title: article.title.as_str(),
                    description: article.description.as_str(),
                    body: article.body.as_str(),
                    created_at: article.created_at,
                    updated_at: article.created_at,
                })
                .execute(conn)
                .await?;
            link_new_article(conn, id, &article.tags).await
        })
        .await
        .map_err(query_error)?;
        load_article(&mut conn, ArticleKey::Id(id))
            .await
            .map_err(query_error)?
            .ok_or(PortError::NotFound)
    }

    async fn update(&self, id: ArticleId, changes: ArticleChanges) -> Result<Article, PortError> {
        let mut conn = self.db.connection().await?;
        let id = id.as_uuid();
        let changeset = ArticleChangeset {
            slug: changes.slug.map(Slug::into_inner),
            title: changes.title.map(|t| t.into_inner()),
            description: changes.description.map(|d| d.into_inner()),
            body: changes.body.map(|b| b.into_inner()),
            updated_at: changes.updated_at,
        };
        let tags = changes.tags;
        let updated = conn
            .transaction(async |conn| {
                let updated = diesel::update(articles::table.find(id))
                    .set(changeset)
                    .execute(conn)
                    .await?;
                if let (1, Some(tags)) = (updated, &tags) {
                    replace_tags(conn, id, tags).await?;
                }
                Ok::<_, diesel::result::Error>(updated)
            })
            .await
            .map_err(query_error)?;
        if updated == 0 {
            return Err(PortError::NotFound);
        }
        load_article(&mut conn, ArticleKey::Id(id))
            .await
            .map_err(query_error)?
            .ok_or(PortError::NotFound)
    }

    async fn delete(&self, id: ArticleId) -> Result<(), PortError> {
        let mut conn = self.db.connection().await?;
        let id = id.as_uuid();
        let deleted = conn
            .transaction(async |conn| {
                if !lock_for_deletion(conn, id).await? {
                    return Ok(0);
                }
                diesel::delete(articles::table.find(id)).execute(conn).await
            })
            .await
            .map_err(query_error)?;
        if deleted == 0 {
            return Err(PortError::NotFound);
        }
        Ok(())
    }

    async fn favorite(&self, user: UserId, article: ArticleId) -> Result<(), PortError> {
        let mut conn = self.db.connection().await?;
        let (user, article) = (user.as_uuid(), article.as_uuid());
        conn.transaction(async |conn| {
            let inserted = diesel::insert_into(favorites::table)
                .values((
                    favorites::user_id.eq(user),
                    favorites::article_id.eq(article),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if inserted == 1 {
                diesel::update(articles::table.find(article))
                    .set(articles::favorites_count.eq(articles::favorites_count + 1))
                    .execute(conn)
                    .await?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .await
        .map_err(query_error)
    }

    async fn unfavorite(&self, user: UserId, article: ArticleId) -> Result<(), PortError> {
        let mut conn = self.db.connection().await?;
        let (user, article) = (user.as_uuid(), article.as_uuid());
        conn.transaction(async |conn| {
            let deleted = diesel::delete(favorites::table.find((user, article)))
                .execute(conn)
                .await?;
            if deleted == 1 {
                diesel::update(articles::table.find(article))
                    .set(articles::favorites_count.eq(articles::favorites_count - 1))
                    .execute(conn)
                    .await?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .await
        .map_err(query_error)
    }

    async fn viewer_facts(
        &self,
        viewer: UserId,
        articles: &[ArticleId],
        authors: &[UserId],
    ) -> Result<ViewerFacts, PortError> {
        if articles.is_empty() && authors.is_empty() {
            return Ok(ViewerFacts::default());
        }
        let article_ids: Vec<Uuid> = articles.iter().map(ArticleId::as_uuid).collect();
        let author_ids: Vec<Uuid> = authors.iter().map(UserId::as_uuid).collect();
        let mut conn = self.db.connection().await?;
        // Built with the DSL, not raw SQL: diesel prepares and caches it once per
        // connection, where raw SQL would be parsed and planned on every call.
        let favorited = favorites::table
            .filter(favorites::user_id.eq(viewer.as_uuid()))
            .filter(favorites::article_id.eq_any(article_ids))
            .select((true.into_sql::<Bool>(), favorites::article_id));
        let following = follows::table
            .filter(follows::follower_id.eq(viewer.as_uuid()))
            .filter(follows::followee_id.eq_any(author_ids))
            .select((false.into_sql::<Bool>(), follows::followee_id));
        let facts: Vec<(bool, Uuid)> = favorited
            .union_all(following)
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        let mut result = ViewerFacts::default();
        for (is_favorite, id) in facts {
            if is_favorite {
                result.favorited.insert(ArticleId::from_uuid(id));
            } else {
                result.following.insert(UserId::from_uuid(id));
            }
        }
        Ok(result)
    }

    async fn slugs_by_author(&self, author: UserId) -> Result<Vec<Slug>, PortError> {
        let mut conn = self.db.connection().await?;
        let slugs: Vec<String> = articles::table
            .filter(articles::author_id.eq(author.as_uuid()))
            .select(articles::slug)
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(slugs.into_iter().map(Slug::from_trusted).collect())
    }

    async fn popular_tags(&self, limit: u32) -> Result<Vec<TagName>, PortError> {
        let mut conn = self.db.connection().await?;
        let names: Vec<String> = tags::table
            .filter(tags::article_count.gt(0))
            .select(tags::name)
            .order((tags::article_count.desc(), tags::name.asc()))
            .limit(i64::from(limit))
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(names.into_iter().map(TagName::from_trusted).collect())
    }
}
