//! The dependency rule (ARCHITECTURE.md): `scripts/check-layering.sh` passes on the
//! workspace and catches the violations it exists for, in a throwaway copy.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root")
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("folio-{label}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("create a temp dir");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            eprintln!("warning: could not remove {}: {error}", self.0.display());
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a directory").flatten() {
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("a file type");
        if kind.is_dir() {
            if entry.file_name() == "target" {
                continue;
            }
            copy_tree(&source, &target);
        } else if kind.is_file() {
            std::fs::copy(&source, &target).expect("copy a file");
        }
    }
}

/// A copy of the workspace sources (no target/, no .git) in a temp dir.
struct WorkspaceCopy {
    dir: TempDir,
    target_dir: TempDir,
}

impl WorkspaceCopy {
    fn new() -> Self {
        let root = workspace_root();
        let dir = TempDir::new("layering");
        for file in ["Cargo.toml", "Cargo.lock", "rustfmt.toml"] {
            if root.join(file).is_file() {
                std::fs::copy(root.join(file), dir.path().join(file))
                    .expect("copy a workspace file");
            }
        }
        for tree in ["scripts", "migrations", "crates"] {
            copy_tree(&root.join(tree), &dir.path().join(tree));
        }
        Self {
            dir,
            target_dir: TempDir::new("layering-target"),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Adds `line` to the `[dependencies]` section of `crates/<krate>/Cargo.toml`.
    fn add_dependency(&self, krate: &str, line: &str) {
        let manifest = self.root().join("crates").join(krate).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("read the manifest");
        let header = "[dependencies]\n";
        let at = text.find(header).expect("a [dependencies] section") + header.len();
        let edited = format!("{}{line}\n{}", &text[..at], &text[at..]);
        std::fs::write(&manifest, edited).expect("write the manifest");
    }

    fn write(&self, relative: &str, contents: &str) {
        std::fs::write(self.root().join(relative), contents).expect("write a file");
    }

    fn check(&self) -> Output {
        run_check(self.root(), self.target_dir.path())
    }
}

fn run_check(root: &Path, target_dir: &Path) -> Output {
    Command::new("bash")
        .arg("scripts/check-layering.sh")
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("run scripts/check-layering.sh")
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[track_caller]
fn assert_fails_with(output: &Output, message: &str) {
    assert!(
        !output.status.success(),
        "the check passed: {}",
        describe(output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(message),
        "expected {message:?}: {}",
        describe(output)
    );
}

#[test]
fn the_workspace_follows_the_dependency_rule() {
    let target = TempDir::new("layering-target");
    let output = run_check(&workspace_root(), target.path());
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("layering: ok"),
        "{}",
        describe(&output)
    );
}

#[test]
fn an_untouched_copy_passes_too() {
    // Guards the tests below: their failures come from the edit, not from the copy.
    let copy = WorkspaceCopy::new();
    let output = copy.check();
    assert!(output.status.success(), "{}", describe(&output));
}

#[test]
fn diesel_in_the_domain_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("domain", "diesel.workspace = true");
    assert_fails_with(&copy.check(), "folio-domain must not depend on diesel");
}

#[test]
fn actix_web_in_the_domain_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("domain", "actix-web.workspace = true");
    assert_fails_with(&copy.check(), "folio-domain must not depend on actix-web");
}

#[test]
fn actix_web_in_the_application_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("application", "actix-web.workspace = true");
    assert_fails_with(
        &copy.check(),
        "folio-application must not depend on actix-web",
    );
}

#[test]
fn raw_sql_in_the_application_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.write(
        "crates/application/src/sneaky.rs",
        "pub const QUERY: &str = \"SELECT * FROM users\";\n",
    );
    assert_fails_with(&copy.check(), "SQL outside crates/postgres");
}

#[test]
fn actix_web_in_the_postgres_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("postgres", "actix-web.workspace = true");
    assert_fails_with(&copy.check(), "folio-postgres must not depend on actix-web");
}

#[test]
fn redis_in_the_postgres_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("postgres", "redis.workspace = true");
    assert_fails_with(&copy.check(), "folio-postgres must not depend on redis");
}

#[test]
fn one_adapter_depending_on_another_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("postgres", "folio-security.workspace = true");
    assert_fails_with(
        &copy.check(),
        "folio-postgres must not depend on folio-security",
    );
}

#[test]
fn diesel_in_the_redis_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("redis", "diesel.workspace = true");
    assert_fails_with(&copy.check(), "folio-redis must not depend on diesel");
}

#[test]
fn the_postgres_adapter_in_the_redis_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("redis", "folio-postgres.workspace = true");
    assert_fails_with(
        &copy.check(),
        "folio-redis must not depend on folio-postgres",
    );
}

#[test]
fn redis_in_the_security_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("security", "redis.workspace = true");
    assert_fails_with(&copy.check(), "folio-security must not depend on redis");
}

#[test]
fn diesel_in_the_security_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("security", "diesel.workspace = true");
    assert_fails_with(&copy.check(), "folio-security must not depend on diesel");
}

#[test]
fn actix_web_in_the_security_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("security", "actix-web.workspace = true");
    assert_fails_with(&copy.check(), "folio-security must not depend on actix-web");
}

#[test]
fn an_adapter_in_the_http_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.add_dependency("http-adapter", "folio-security.workspace = true");
    assert_fails_with(
        &copy.check(),
        "folio-http must not depend on folio-security",
    );
}

#[test]
fn raw_sql_in_the_redis_adapter_is_caught() {
    let copy = WorkspaceCopy::new();
    copy.write(
        "crates/redis/src/sneaky.rs",
        "pub const QUERY: &str = \"DELETE FROM sessions\";\n",
    );
    assert_fails_with(
        &copy.check(),
        "SQL outside crates/postgres (in crates/redis/src)",
    );
}

#[test]
fn http_types_in_the_security_adapter_are_caught() {
    let copy = WorkspaceCopy::new();
    copy.write(
        "crates/security/src/sneaky.rs",
        "pub fn answer() -> actix_web::HttpResponse { todo!() }\n",
    );
    assert_fails_with(
        &copy.check(),
        "HTTP types outside the adapters (in crates/security/src)",
    );
}
