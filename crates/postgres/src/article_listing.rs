//! Article lists: one page, newest first, and how many articles match in all.
//!
//! The names a filter carries (tag, author, fan) are resolved to ids first. A name
//! that matches nothing means an empty list without further queries, and the lookups
//! return the counts stored on the tag and author rows, so most totals are read
//! rather than counted. A list filtered by tag walks the tag's links, and a list of a
//! fan's favorites walks those favorites, both of which carry the article's creation
//! time, in list order; the feed has its own statement (see [`FeedPage`]).

use diesel::dsl::sum;
use diesel::{ExpressionMethods, JoinOnDsl, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{ArticlePage, ArticleQuery};
use folio_domain::UsernameKey;
use uuid::Uuid;

use super::feed_page::FeedPage;
use super::pool::plan_for_these_values;
use super::rows::{ArticleRow, ArticleSummaryRow, ProfileRow};
use super::schema::{article_tags, article_totals, articles, favorites, follows, tags, users};

type DieselResult<T> = Result<T, diesel::result::Error>;

/// A list query with its names resolved to ids.
struct Scope {
    tag: Option<Tagged>,
    author: Option<Authored>,
    fan: Option<Uuid>,
    follower: Option<Uuid>,
}

struct Tagged {
    id: i64,
    article_count: i32,
}

struct Authored {
    id: Uuid,
    article_count: i32,
}

/// Narrows a boxed query over `articles` (alone or joined) to the author, fan and
/// follower of `$scope`. A macro because the boxed types of the count and of the two
/// page shapes differ, and diesel's bounds for a generic function would hide the logic.
macro_rules! narrowed {
    ($boxed:expr, $scope:expr) => {{
        let scope: &Scope = $scope;
        let mut boxed = $boxed;
        if let Some(author) = &scope.author {
            boxed = boxed.filter(articles::author_id.eq(author.id));
        }
        if let Some(fan) = scope.fan {
            boxed = boxed.filter(
                articles::id.eq_any(
                    favorites::table
                        .filter(favorites::user_id.eq(fan))
                        .select(favorites::article_id),
                ),
            );
        }
        if let Some(follower) = scope.follower {
            boxed = boxed.filter(
                articles::author_id.eq_any(
                    follows::table
                        .filter(follows::follower_id.eq(follower))
                        .select(follows::followee_id),
                ),
            );
        }
        boxed
    }};
}

pub(super) async fn list(
    conn: &mut AsyncPgConnection,
    query: &ArticleQuery,
) -> DieselResult<ArticlePage> {
    let Some(scope) = resolve(conn, query).await? else {
        return Ok(ArticlePage {
            articles: Vec::new(),
            total: 0,
        });
    };
    if scope.best_plan_depends_on_values() {
        conn.transaction(async |conn| {
            plan_for_these_values(conn).await?;
            count_and_read(conn, &scope, query).await
        })
        .await
    } else {
        count_and_read(conn, &scope, query).await
    }
}

async fn count_and_read(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    query: &ArticleQuery,
) -> DieselResult<ArticlePage> {
    let total = u64::try_from(total(conn, scope).await?).unwrap_or(0);
    if total <= query.offset {
        return Ok(ArticlePage {
            articles: Vec::new(),
            total,
        });
    }
    let rows = page(conn, scope, query).await?;
    let articles = rows
        .into_iter()
        .map(|(article, author)| ArticleRow::from(article).into_domain(author))
        .collect();
    Ok(ArticlePage { articles, total })
}

impl Scope {
    /// Combined filters are walked best from whichever side matches fewer rows,
    /// which only the bound values tell.
    fn best_plan_depends_on_values(&self) -> bool {
        let filters = usize::from(self.tag.is_some())
            + usize::from(self.author.is_some())
            + usize::from(self.fan.is_some())
            + usize::from(self.follower.is_some());
        filters > 1
    }
}

/// None when a named tag, author or fan does not exist: nothing can match.
async fn resolve(
    conn: &mut AsyncPgConnection,
    query: &ArticleQuery,
) -> DieselResult<Option<Scope>> {
    let mut scope = Scope {
        tag: None,
        author: None,
        fan: None,
        follower: query.followed_by.map(|follower| follower.as_uuid()),
    };
    if let Some(name) = &query.filter.tag {
        let Some((id, article_count)) = tags::table
            .filter(tags::name.eq(name))
            .select((tags::id, tags::article_count))
            .first(conn)
            .await
            .optional()?
        else {
            return Ok(None);
        };
        scope.tag = Some(Tagged { id, article_count });
    }
    if let Some(username) = &query.filter.author {
        let Some((id, article_count)) = user_named(conn, username).await? else {
            return Ok(None);
        };
        scope.author = Some(Authored { id, article_count });
    }
    if let Some(username) = &query.filter.favorited_by {
        let Some((id, _)) = user_named(conn, username).await? else {
            return Ok(None);
        };
        scope.fan = Some(id);
    }
    Ok(Some(scope))
}

/// The id and article count of the user with this name (any spelling with the
/// same key).
async fn user_named(
    conn: &mut AsyncPgConnection,
    username: &str,
) -> DieselResult<Option<(Uuid, i32)>> {
    users::table
        .filter(users::username_key.eq(UsernameKey::of(username).as_str()))
        .select((users::id, users::article_count))
        .first(conn)
        .await
        .optional()
}

/// How many articles the scope matches: a stored count where one filter alone
/// decides, an exact count otherwise.
async fn total(conn: &mut AsyncPgConnection, scope: &Scope) -> DieselResult<i64> {
    match scope {
        Scope {
            tag: None,
            author: None,
            fan: None,
            follower: None,
        } => article_totals::table
            .select(sum(article_totals::articles))
            .get_result::<Option<i64>>(conn)
            .await
            .map(Option::unwrap_or_default),
        Scope {
            tag: Some(tag),
            author: None,
            fan: None,
            follower: None,
        } => Ok(i64::from(tag.article_count)),
        Scope {
            tag: None,
            author: Some(author),
            fan: None,
            follower: None,
        } => Ok(i64::from(author.article_count)),
        Scope {
            tag: None,
            author: None,
            fan: Some(fan),
            follower: None,
        } => {
            favorites::table
                .filter(favorites::user_id.eq(fan))
                .count()
                .get_result(conn)
                .await
        }
        Scope {
            tag: None,
            author: None,
            fan: None,
            follower: Some(follower),
        } => follows::table
            .inner_join(users::table.on(users::id.eq(follows::followee_id)))
            .filter(follows::follower_id.eq(follower))
            .select(sum(users::article_count))
            .get_result::<Option<i64>>(conn)
            .await
            .map(Option::unwrap_or_default),
        _ => {
            let mut counted = articles::table.into_boxed();
            if let Some(tag) = &scope.tag {
                counted = counted.filter(
                    articles::id.eq_any(
                        article_tags::table
                            .filter(article_tags::tag_id.eq(tag.id))
                            .select(article_tags::article_id),
                    ),
                );
            }
            narrowed!(counted, scope).count().get_result(conn).await
        }
    }
}

async fn page(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    query: &ArticleQuery,
) -> DieselResult<Vec<(ArticleSummaryRow, ProfileRow)>> {
    let limit = i64::from(query.limit);
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let columns = (ArticleSummaryRow::as_select(), ProfileRow::as_select());
    // The window of `$rows` in `$order`; a macro because each arm's query type differs.
    macro_rules! window {
        ($rows:expr, $order:expr) => {
            $rows
                .select(columns)
                .order($order)
                .limit(limit)
                .offset(offset)
                .load(conn)
                .await
        };
    }
    match scope {
        Scope {
            tag: None,
            author: None,
            fan: None,
            follower: Some(follower),
        } => FeedPage::new(*follower, limit, offset).load(conn).await,
        Scope {
            tag: None,
            author: None,
            fan: Some(fan),
            follower: None,
        } => window!(
            favorites::table
                .inner_join(articles::table.inner_join(users::table))
                .filter(favorites::user_id.eq(fan)),
            (
                favorites::article_created_at.desc(),
                favorites::article_id.desc(),
            )
        ),
        Scope { tag: Some(tag), .. } => {
            let links = article_tags::table
                .inner_join(articles::table.inner_join(users::table))
                .filter(article_tags::tag_id.eq(tag.id))
                .into_boxed();
            window!(
                narrowed!(links, scope),
                (
                    article_tags::article_created_at.desc(),
                    article_tags::article_id.desc(),
                )
            )
        }
        Scope { tag: None, .. } => {
            let all = articles::table.inner_join(users::table).into_boxed();
            window!(
                narrowed!(all, scope),
                (articles::created_at.desc(), articles::id.desc())
            )
        }
    }
}
