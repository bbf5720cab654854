//! One database per test, cloned from a template migrated once per migration set.

use std::path::Path;

use tokio_postgres::NoTls;

use super::admin_database_url;

pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

/// Serialises template creation across concurrently starting test processes.
const TEMPLATE_LOCK: i64 = 0x466f_6c69_6f54_706c; // "FolioTpl"

impl TestDatabase {
    pub async fn create(test_id: &str) -> Self {
        let template = template_name();
        let admin = connect(&admin_database_url()).await;
        admin
            .execute("SELECT pg_advisory_lock($1)", &[&TEMPLATE_LOCK])
            .await
            .expect("lock");
        let exists = admin
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
            .await
            .expect("query pg_database")
            .is_some();
        if !exists {
            build_template(&admin, &template).await;
        }
        admin
            .execute("SELECT pg_advisory_unlock($1)", &[&TEMPLATE_LOCK])
            .await
            .expect("unlock");

        let name = format!("folio_test_{test_id}");
        admin
            .batch_execute(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .await
            .expect("clone the template database");
        Self {
            url: database_url(&name),
            name,
        }
    }
}

impl Drop for TestDatabase {
    /// Tests leave nothing behind: the database goes even when the test panicked.
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let (client, connection) =
                    tokio_postgres::connect(&admin_database_url(), NoTls).await?;
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connect to PostgreSQL");
    tokio::spawn(connection);
    client
}

async fn build_template(admin: &tokio_postgres::Client, template: &str) {
    let building = format!("{template}_building");
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
        ))
        .await
        .expect("drop a half-built template");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{building}\""))
        .await
        .expect("create the template database");
    folio_postgres::run_migrations(&database_url(&building))
        .await
        .expect("migrate the template database");
    // Renaming last means a template that exists is always complete.
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{template}\"; \
             ALTER DATABASE \"{template}\" WITH IS_TEMPLATE true"
        ))
        .await
        .expect("publish the template database");
}

pub fn database_url(name: &str) -> String {
    let admin = admin_database_url();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// Named after a hash of the migration files, so a changed migration gets a new one.
fn template_name() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let bytes = std::fs::read(&file).expect("read a migration file");
        let name = file
            .strip_prefix(&dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        for byte in name.bytes().chain(bytes) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("folio_template_{hash:016x}")
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("read the migrations directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
