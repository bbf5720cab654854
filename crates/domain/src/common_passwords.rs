//! The passwords attackers try first. Refusing them at registration and password
//! change costs users little and removes the cheapest credential-stuffing wins.

use std::collections::HashSet;
use std::sync::LazyLock;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Whether `password` (compared case-insensitively) is on the shipped list.
pub fn is_common_password(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_suspects_are_common_whatever_their_case() {
        assert!(is_common_password("password"));
        assert!(is_common_password("PassWord123"));
        assert!(is_common_password("qwertyuiop"));
    }

    #[test]
    fn a_random_passphrase_is_not_common() {
        assert!(!is_common_password("correct horse battery staple"));
        assert!(!is_common_password(""));
    }

    #[test]
    fn the_list_has_a_few_hundred_entries_all_in_lower_case() {
        assert!(COMMON.len() >= 300, "{} entries", COMMON.len());
        assert!(COMMON.iter().all(|p| *p == p.to_lowercase()));
    }
}
