//! Adapters for Folio's ports: PostgreSQL through diesel-async (pooled), Redis,
//! argon2id password hashing, session tokens and the system clock.

pub mod clock;
pub use folio_postgres as db;
pub mod ports;
pub use folio_redis as redis_store;
pub use folio_security as security;

pub use clock::SystemClock;
pub use db::{Database, DatabaseError, DatabaseSettings, PoolStatus};
pub use ports::PgPorts;
pub use redis_store::{RedisSettings, RedisStore};
pub use security::{Argon2Hasher, OpaqueTokens};
