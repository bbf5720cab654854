//! Upload rows, the settlement of an upload's processing with its event, and the
//! queries of the cleanup of what uploads leave behind.

use std::collections::HashSet;

use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Bool};
use diesel::{
    BoxableExpression, ExpressionMethods, Insertable, OptionalExtension, QueryDsl, Queryable,
    Selectable, SelectableHelper,
};
use diesel_async::RunQueryDsl;
use folio_application::ports::{
    PortError, UnitOfWork, UploadRepository, UploadRetention, UploadSettlement, Work,
};
use folio_domain::{
    ContentHash, DomainEvent, ImageType, OriginalName, StorageKey, Timestamp, Upload, UploadId,
    UploadPurpose, UploadStatus, UserId,
};
use uuid::Uuid;

use super::errors::query_error;
use super::schema::uploads;
use super::source::Source;
use super::{Database, PgUnitOfWork};

#[derive(Clone)]
pub struct PgUploadRepository {
    db: Source,
}

impl PgUploadRepository {
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
#[diesel(table_name = uploads)]
struct UploadInsert<'a> {
    id: Uuid,
    owner_id: Uuid,
    purpose: Option<&'static str>,
    sha256: &'a [u8],
    size: i64,
    content_type: &'static str,
    width: i32,
    height: i32,
    status: &'static str,
    storage_key: String,
    original_name: &'a str,
    created_at: Timestamp,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = uploads)]
struct UploadRow {
    id: Uuid,
    owner_id: Uuid,
    purpose: Option<String>,
    sha256: Vec<u8>,
    size: i64,
    content_type: String,
    width: i32,
    height: i32,
    status: String,
    storage_key: String,
    original_name: String,
    created_at: Timestamp,
    attached_at: Option<Timestamp>,
}

/// A stored value the domain does not recognise: the schema's checks make it a bug.
#[derive(Debug, thiserror::Error)]
#[error("uploads row {id} holds an unknown {column}")]
struct CorruptRow {
    id: Uuid,
    column: &'static str,
}

impl UploadRow {
    fn into_domain(self) -> Result<Upload, PortError> {
        let corrupt = |column| {
            PortError::other(CorruptRow {
                id: self.id,
                column,
            })
        };
        let number = |value: i32, column| u32::try_from(value).map_err(|_| corrupt(column));
        Ok(Upload {
            id: UploadId::from_uuid(self.id),
            owner: UserId::from_uuid(self.owner_id),
            purpose: match self.purpose.as_deref() {
                None => None,
                Some(text) => Some(UploadPurpose::parse(text).map_err(|_| corrupt("purpose"))?),
            },
            sha256: ContentHash(
                self.sha256
                    .as_slice()
                    .try_into()
                    .map_err(|_| corrupt("sha256"))?,
            ),
            size: u64::try_from(self.size).map_err(|_| corrupt("size"))?,
            image_type: ImageType::from_mime(&self.content_type)
                .ok_or_else(|| corrupt("content_type"))?,
            width: number(self.width, "width")?,
            height: number(self.height, "height")?,
            status: UploadStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            key: StorageKey::parse(&self.storage_key).ok_or_else(|| corrupt("storage_key"))?,
            original_name: OriginalName::from_trusted(self.original_name),
            created_at: self.created_at,
            attached_at: self.attached_at,
        })
    }
}

fn one(row: Option<UploadRow>) -> Result<Option<Upload>, PortError> {
    row.map(UploadRow::into_domain).transpose()
}

/// A value of the domain too large for its column (never, within the limits).
fn out_of_range(column: &'static str) -> PortError {
    PortError::other(std::io::Error::other(format!("{column} out of range")))
}

impl PgUploadRepository {
    /// The upload `query` selects, unless it is deleted.
    async fn first_live(
        &self,
        query: uploads::BoxedQuery<'static, Pg>,
    ) -> Result<Option<Upload>, PortError> {
        let mut conn = self.db.connection().await?;
        let row = query
            .filter(uploads::deleted_at.is_null())
            .select(UploadRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?;
        one(row)
    }
}

impl UploadRepository for PgUploadRepository {
    async fn insert(&self, upload: &Upload) -> Result<(), PortError> {
        let mut conn = self.db.connection().await?;
        diesel::insert_into(uploads::table)
            .values(UploadInsert {
                id: upload.id.as_uuid(),
                owner_id: upload.owner.as_uuid(),
                purpose: upload.purpose.map(UploadPurpose::as_str),
                sha256: &upload.sha256.0,
                size: i64::try_from(upload.size).map_err(|_| out_of_range("size"))?,
                content_type: upload.image_type.mime(),
                width: i32::try_from(upload.width).map_err(|_| out_of_range("width"))?,
                height: i32::try_from(upload.height).map_err(|_| out_of_range("height"))?,
                status: upload.status.as_str(),
                storage_key: upload.key.original(),
                original_name: upload.original_name.as_str(),
                created_at: upload.created_at,
            })
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(())
    }

    async fn find(&self, id: UploadId) -> Result<Option<Upload>, PortError> {
        self.first_live(uploads::table.find(id.as_uuid()).into_boxed())
            .await
    }

    async fn find_by_content(
        &self,
        owner: UserId,
        sha256: ContentHash,
    ) -> Result<Option<Upload>, PortError> {
        let query = uploads::table
            .filter(uploads::owner_id.eq(owner.as_uuid()))
            .filter(uploads::sha256.eq(sha256.0.to_vec()));
        self.first_live(query.into_boxed()).await
    }

    async fn find_by_stem(&self, stem: &str) -> Result<Option<Upload>, PortError> {
        self.first_live(
            uploads::table
                .filter(uploads::storage_key.eq_any(key_names(&[stem.to_owned()])))
                .into_boxed(),
        )
        .await
    }

    async fn bytes_used(&self, owner: UserId) -> Result<u64, PortError> {
        let mut conn = self.db.connection().await?;
        // `sum` of a bigint is a numeric; the total of sizes fits a bigint.
        let total: i64 = uploads::table
            .filter(uploads::owner_id.eq(owner.as_uuid()))
            .filter(uploads::deleted_at.is_null())
            .select(sql::<BigInt>("COALESCE(SUM(size), 0)::bigint"))
            .first(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    async fn mark_deleted(&self, id: UploadId, at: Timestamp) -> Result<bool, PortError> {
        let mut conn = self.db.connection().await?;
        let changed = diesel::update(
            uploads::table
                .find(id.as_uuid())
                .filter(uploads::deleted_at.is_null()),
        )
        .set(uploads::deleted_at.eq(at))
        .execute(&mut conn)
        .await
        .map_err(query_error)?;
        Ok(changed > 0)
    }

    async fn attach(&self, id: UploadId, owner: UserId, at: Timestamp) -> Result<bool, PortError> {
        let changed = self
            .mark_attached(owner, at, Box::new(uploads::id.eq(id.as_uuid())))
            .await?;
        Ok(changed > 0)
    }

    async fn attach_stems(
        &self,
        owner: UserId,
        stems: &[String],
        at: Timestamp,
    ) -> Result<u64, PortError> {
        self.mark_attached(
            owner,
            at,
            Box::new(uploads::storage_key.eq_any(key_names(stems))),
        )
        .await
    }
}

impl PgUploadRepository {
    /// Marks `owner`'s live uploads that `which` selects attached at `at`, unless
    /// they were already; how many it selected.
    async fn mark_attached(
        &self,
        owner: UserId,
        at: Timestamp,
        which: Box<dyn BoxableExpression<uploads::table, Pg, SqlType = Bool> + Send>,
    ) -> Result<u64, PortError> {
        let mut conn = self.db.connection().await?;
        let changed = diesel::update(uploads::table)
            .set(uploads::attached_at.eq(coalesce(uploads::attached_at, at)))
            .filter(uploads::owner_id.eq(owner.as_uuid()))
            .filter(uploads::deleted_at.is_null())
            .into_boxed()
            .filter(which)
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(u64::try_from(changed).unwrap_or(0))
    }
}

impl UploadRetention for PgUploadRepository {
    async fn orphans(
        &self,
        created_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<Upload>, PortError> {
        let mut conn = self.db.connection().await?;
        // The partial index of unattached live uploads by `created_at` serves this.
        let rows = uploads::table
            .filter(uploads::attached_at.is_null())
            .filter(uploads::deleted_at.is_null())
            .filter(uploads::created_at.lt(created_before))
            .order((uploads::created_at, uploads::id))
            .limit(i64::from(limit))
            .select(UploadRow::as_select())
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        rows.into_iter().map(UploadRow::into_domain).collect()
    }

    async fn remove_orphans(
        &self,
        ids: &[UploadId],
        created_before: Timestamp,
        at: Timestamp,
    ) -> Result<Vec<Upload>, PortError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.db.connection().await?;
        let ids: Vec<Uuid> = ids.iter().map(UploadId::as_uuid).collect();
        // Conditions again: an upload attached since it was found stays.
        let rows = diesel::update(
            uploads::table
                .filter(uploads::id.eq_any(ids))
                .filter(uploads::attached_at.is_null())
                .filter(uploads::deleted_at.is_null())
                .filter(uploads::created_at.lt(created_before)),
        )
        .set(uploads::deleted_at.eq(at))
        .returning(UploadRow::as_returning())
        .get_results(&mut conn)
        .await
        .map_err(query_error)?;
        rows.into_iter().map(UploadRow::into_domain).collect()
    }

    async fn live_stems(&self, stems: &[String]) -> Result<HashSet<String>, PortError> {
        let mut conn = self.db.connection().await?;
        let keys: Vec<String> = uploads::table
            .filter(uploads::storage_key.eq_any(key_names(stems)))
            .filter(uploads::deleted_at.is_null())
            .select(uploads::storage_key)
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(keys
            .into_iter()
            .filter_map(|key| StorageKey::parse(&key).map(|key| key.stem().to_owned()))
            .collect())
    }
}

diesel::define_sql_function! {
    /// SQL `coalesce` of a nullable timestamp and a value: the first time is kept.
    fn coalesce(
        x: diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
        y: diesel::sql_types::Timestamptz,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>;
}

/// The storage keys files of these stems may have, one per image type: what
/// `storage_key` is indexed by.
fn key_names(stems: &[String]) -> Vec<String> {
    stems
        .iter()
        .flat_map(|stem| {
            ImageType::ALL
                .into_iter()
                .map(move |kind| format!("{stem}.{}", kind.extension()))
        })
        .collect()
}

/// Settles uploads in a unit of work of its own, so the status and its event commit
/// together.
#[derive(Clone)]
pub struct PgUploadSettlement {
    unit_of_work: PgUnitOfWork,
}

impl PgUploadSettlement {
    pub fn new(unit_of_work: PgUnitOfWork) -> Self {
        Self { unit_of_work }
    }
}

impl UploadSettlement for PgUploadSettlement {
    async fn settle(
        &self,
        id: UploadId,
        status: UploadStatus,
        event: DomainEvent,
    ) -> Result<bool, PortError> {
        let mut work = self.unit_of_work.begin().await?;
        let changed = {
            let mut conn = work.uploads().db.connection().await?;
            diesel::update(
                uploads::table
                    .find(id.as_uuid())
                    .filter(uploads::deleted_at.is_null())
                    .filter(uploads::status.eq(UploadStatus::Processing.as_str())),
            )
            .set(uploads::status.eq(status.as_str()))
            .execute(&mut conn)
            .await
            .map_err(query_error)?
        };
        if changed == 0 {
            return Ok(false);
        }
        work.raise(event);
        work.commit().await?;
        Ok(true)
    }
}
