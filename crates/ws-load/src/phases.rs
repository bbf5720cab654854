//! The points at which the caller may look at the server (memory) or act on it
//! (restart): `phase <name>` on stdout, then, when asked to, a line from stdin.

use std::io::Write;

pub struct Phases {
    pause: bool,
}

impl Phases {
    pub fn new(pause: bool) -> Self {
        Self { pause }
    }

    /// Announces `name` and, when pausing, waits for the caller's go-ahead.
    pub async fn reached(&self, name: &str) {
        self.announce(name);
        if self.pause {
            let _ = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)
            })
            .await;
        }
    }

    /// Announces `name` without waiting.
    pub fn announce(&self, name: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "phase {name}");
        let _ = out.flush();
    }
}

/// A progress line, on stderr so that stdout stays the caller's protocol.
pub fn note(text: &str) {
    eprintln!("ws-load: {text}");
}
