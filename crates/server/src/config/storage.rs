//! `FOLIO_STORAGE`: where uploaded files are kept, and the S3 bucket's settings.

use std::time::Duration;

use folio_s3::S3Settings;

use super::{ConfigError, flag, positive};

/// SigV4 refuses presigned URLs valid for more than seven days.
const MAX_LINK_SECONDS: u64 = 7 * 24 * 3600;

/// `None` for the local filesystem (`FOLIO_STORAGE=local`, the default), the
/// bucket's settings for `FOLIO_STORAGE=s3`. Every setting the bucket needs must be
/// there: a missing one stops the start-up, naming it.
pub(super) fn s3_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<S3Settings>, ConfigError> {
    let storage = lookup("FOLIO_STORAGE").unwrap_or_default();
    match storage.trim() {
        "" | "local" => return Ok(None),
        "s3" => {}
        other => {
            return Err(ConfigError {
                name: "FOLIO_STORAGE",
                value: other.to_owned(),
                reason: "expected local or s3".into(),
            });
        }
    }
    let required = |name: &'static str| {
        lookup(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
            .ok_or_else(|| ConfigError {
                name,
                value: String::new(),
                reason: "required with FOLIO_STORAGE=s3".into(),
            })
    };
    let endpoint = lookup("FOLIO_S3_ENDPOINT")
        .map(|endpoint| endpoint.trim().trim_end_matches('/').to_owned())
        .filter(|endpoint| !endpoint.is_empty());
    if let Some(endpoint) = &endpoint
        && !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
    {
        return Err(ConfigError {
            name: "FOLIO_S3_ENDPOINT",
            value: endpoint.clone(),
            reason: "expected an http:// or https:// URL".into(),
        });
    }
    let link_seconds: u64 = positive(lookup, "FOLIO_S3_LINK_SECONDS", 300)?;
    if link_seconds > MAX_LINK_SECONDS {
        return Err(ConfigError {
            name: "FOLIO_S3_LINK_SECONDS",
            value: link_seconds.to_string(),
            reason: format!("at most {MAX_LINK_SECONDS} (seven days)"),
        });
    }
    Ok(Some(S3Settings {
        bucket: required("FOLIO_S3_BUCKET")?,
        endpoint,
        region: lookup("FOLIO_S3_REGION")
            .map(|region| region.trim().to_owned())
            .filter(|region| !region.is_empty())
            .unwrap_or_else(|| "us-east-1".to_owned()),
        access_key_id: required("FOLIO_S3_ACCESS_KEY_ID")?,
        secret_access_key: required("FOLIO_S3_SECRET_ACCESS_KEY")?,
        path_style: flag(lookup, "FOLIO_S3_PATH_STYLE", true)?,
        link_lifetime: Duration::from_secs(link_seconds),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Option<S3Settings>, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        s3_settings(&|name: &str| vars.get(name).cloned())
    }

    const COMPLETE: [(&str, &str); 5] = [
        ("FOLIO_STORAGE", "s3"),
        ("FOLIO_S3_BUCKET", "folio-uploads"),
        ("FOLIO_S3_ENDPOINT", "http://127.0.0.1:9000/"),
        ("FOLIO_S3_ACCESS_KEY_ID", "key"),
        ("FOLIO_S3_SECRET_ACCESS_KEY", "secret"),
    ];

    #[test]
    fn files_stay_on_the_local_disk_unless_told() {
        assert_eq!(settings(&[]).unwrap(), None);
        assert_eq!(settings(&[("FOLIO_STORAGE", "local")]).unwrap(), None);
        let error = settings(&[("FOLIO_STORAGE", "ftp")]).unwrap_err();
        assert!(error.to_string().contains("FOLIO_STORAGE"), "{error}");
    }

    #[test]
    fn s3_takes_the_bucket_its_endpoint_and_credentials_with_defaults_for_the_rest() {
        let s3 = settings(&COMPLETE).unwrap().unwrap();

        assert_eq!(s3.bucket, "folio-uploads");
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(
            (s3.access_key_id.as_str(), s3.secret_access_key.as_str()),
            ("key", "secret")
        );
        assert!(s3.path_style);
        assert_eq!(s3.link_lifetime, Duration::from_secs(300));
    }

    #[test]
    fn every_missing_s3_setting_is_named() {
        for missing in [
            "FOLIO_S3_BUCKET",
            "FOLIO_S3_ACCESS_KEY_ID",
            "FOLIO_S3_SECRET_ACCESS_KEY",
        ] {
            let mut vars: Vec<(&str, &str)> = COMPLETE.to_vec();
            vars.retain(|(name, _)| *name != missing);
            let error = settings(&vars).unwrap_err().to_string();
            assert!(error.contains(missing), "{error}");
            assert!(error.contains("required with FOLIO_STORAGE=s3"), "{error}");

            vars.push((missing, "  "));
            assert!(settings(&vars).is_err(), "{missing} blank");
        }
    }

    #[test]
    fn bad_s3_values_are_refused() {
        let with = |name: &'static str, value: &'static str| {
            let mut vars: Vec<(&str, &str)> = COMPLETE.to_vec();
            vars.push((name, value));
            settings(&vars)
        };
        assert!(with("FOLIO_S3_ENDPOINT", "127.0.0.1:9000").is_err());
        assert!(with("FOLIO_S3_LINK_SECONDS", "0").is_err());
        assert!(with("FOLIO_S3_LINK_SECONDS", "604801").is_err());
        assert!(with("FOLIO_S3_PATH_STYLE", "perhaps").is_err());
        let aws = with("FOLIO_S3_PATH_STYLE", "false").unwrap().unwrap();
        assert!(!aws.path_style);
    }
}
