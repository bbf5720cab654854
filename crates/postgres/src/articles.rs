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
use folio_domain::{Article, ArticleId, Slug, TagName, Timestamp, UserId};
use uuid::Uuid;

use super::errors::query_error;
use super::rows::{ArticleRow, ProfileRow};
use super::schema::{articles, favorites, follows, tags, users};
use super::source::Source;
use super::{Database, article_listing, tag_links};

type DieselResult<T> = Result<T, diesel::result::Error>;

#[derive(Clone)]
pub struct PgArticleRepository {
    db: Source,
}

impl PgArticleRepository {
    pub fn new(db: Database) -> Self {
        Self {
            db: Source::Pool(db),
        }
    }

    /// The repository inside a unit of work.
    pub(crate) fn within(work: Source) -> Self {
        Self { db: work }
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
    image: Option<&'a str>,
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
    image: Option<Option<String>>,
    updated_at: Option<Timestamp>,
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
    Ok(row.map(|(article, author)| article.into_domain(author)))
}

/// Locks the article's row before its favorites change. A deletion locks the row and
/// then removes the favorites by cascade; taking the row first here too keeps an
/// unfavorite (favorite row, then count) from deadlocking against it.
async fn lock_for_favorites(conn: &mut AsyncPgConnection, article: Uuid) -> DieselResult<()> {
    articles::table
        .find(article)
        .select(articles::id)
        .for_no_key_update()
        .first::<Uuid>(conn)
        .await
        .optional()?;
    Ok(())
}

enum ArticleKey<'a> {
    Id(Uuid),
    Slug(&'a str),
}

impl ArticleRepository for PgArticleRepository {
    async fn list(&self, query: ArticleQuery) -> Result<ArticlePage, PortError> {
        let mut conn = self.db.connection().await?;
        article_listing::list(&mut conn, &query)
            .await
            .map_err(query_error)
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
                    image: article.image.as_ref().map(|image| image.as_str()),
                    created_at: article.created_at,
                    updated_at: article.created_at,
                })
                .execute(conn)
                .await?;
            let tag_ids = tag_links::ensure_tags(conn, &article.tags).await?;
            tag_links::insert_links(conn, id, &tag_ids).await
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
            image: changes
                .image
                .map(|image| image.map(|image| image.into_inner())),
            updated_at: changes.updated_at,
        };
        let tags = changes.tags;
        let updated = conn
            .transaction(async |conn| {
                let updated = diesel::update(articles::table.find(id))
                    .set(changeset)
                    .execute(conn)
                    .await?;
                if let (1, Some(list)) = (updated, &tags) {
                    let tag_ids = tag_links::ensure_tags(conn, list).await?;
                    tag_links::replace_links(conn, id, &tag_ids).await?;
                }
                Ok::<_, diesel::result::Error>(updated == 1)
            })
            .await
            .map_err(query_error)?;
        if !updated {
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
                if !tag_links::lock_for_deletion(conn, id).await? {
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

    async fn favorite(&self, user: UserId, article: ArticleId) -> Result<Option<u64>, PortError> {
        let mut conn = self.db.connection().await?;
        let (user, article) = (user.as_uuid(), article.as_uuid());
        conn.transaction(async |conn| {
            lock_for_favorites(conn, article).await?;
            let inserted = diesel::insert_into(favorites::table)
                .values((
                    favorites::user_id.eq(user),
                    favorites::article_id.eq(article),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if inserted == 0 {
                return Ok(None);
            }
            diesel::update(articles::table.find(article))
                .set(articles::favorites_count.eq(articles::favorites_count + 1))
                .returning(articles::favorites_count)
                .get_result::<i32>(conn)
                .await
                .map(|count| Some(u64::try_from(count).unwrap_or(0)))
        })
        .await
        .map_err(query_error)
    }

    async fn unfavorite(&self, user: UserId, article: ArticleId) -> Result<Option<u64>, PortError> {
        let mut conn = self.db.connection().await?;
        let (user, article) = (user.as_uuid(), article.as_uuid());
        conn.transaction(async |conn| {
            lock_for_favorites(conn, article).await?;
            let deleted = diesel::delete(favorites::table.find((user, article)))
                .execute(conn)
                .await?;
            if deleted == 0 {
                return Ok(None);
            }
            diesel::update(articles::table.find(article))
                .set(articles::favorites_count.eq(articles::favorites_count - 1))
                .returning(articles::favorites_count)
                .get_result::<i32>(conn)
                .await
                .map(|count| Some(u64::try_from(count).unwrap_or(0)))
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
