//! Using uploads as pictures: `PUT /user` and an article's `image` (and pictures in
//! its body) attach the caller's own uploads; anything else that is not https is
//! refused, and someone else's upload is refused with its own code.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::uploads::png;
use crate::support::{TestApp, spawn_app, unique_username};

/// Uploads a distinct PNG as `token`'s; the upload's body.
async fn upload(app: &TestApp, token: &str, side: u32) -> Value {
    let response = app.upload(Some(token), "pic.png", &png(side, side)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.body["upload"].clone()
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

/// Whether anyone (here: anonymously) may read the upload's metadata: only once it
/// is attached.
async fn is_public(app: &TestApp, upload: &Value) -> bool {
    let response = app
        .get(&format!("/uploads/{}", text(&upload["id"])), None)
        .await;
    match response.status {
        StatusCode::OK => true,
        StatusCode::NOT_FOUND => false,
        other => panic!("unexpected {other}: {}", response.text),
    }
}

async fn set_image(app: &TestApp, token: &str, image: Value) -> crate::support::Response {
    app.put("/user", Some(token), json!({"user": {"image": image}}))
        .await
}

#[tokio::test]
async fn an_avatar_set_by_upload_id_or_url_is_attached_and_shown_on_the_profile() {
    let app = spawn_app().await;
    let name = unique_username("avatar");
    let token = app.register(&name).await;
    let by_id = upload(&app, &token, 40).await;
    let by_url = upload(&app, &token, 41).await;
    assert!(
        !is_public(&app, &by_id).await,
        "unattached uploads are private"
    );
    // Read once, so that a stale cached profile would show.
    let before = app.get(&format!("/profiles/{name}"), None).await;
    assert_eq!(before.body["profile"]["image"], Value::Null);

    let response = set_image(&app, &token, by_id["id"].clone()).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["image"], by_id["url"]);
    assert!(is_public(&app, &by_id).await);
    let profile = app.get(&format!("/profiles/{name}"), None).await;
    assert_eq!(profile.body["profile"]["image"], by_id["url"]);
    let served = app
        .fetch(&text(&profile.body["profile"]["image"]), &[])
        .await;
    assert_eq!(served.status(), StatusCode::OK);

    let absolute = format!("https://folio.example{}", text(&by_url["url"]));
    let response = set_image(&app, &token, json!(absolute)).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.body["user"]["image"], by_url["url"],
        "stored as Folio's own path"
    );
    assert!(is_public(&app, &by_url).await);
    assert!(is_public(&app, &by_id).await, "attached for good");
}

#[tokio::test]
async fn someone_elses_upload_cannot_be_an_avatar_or_an_article_image() {
    let app = spawn_app().await;
    let owner = app.register(&unique_username("owner")).await;
    let other_name = unique_username("other");
    let other = app.register(&other_name).await;
    let theirs = upload(&app, &owner, 40).await;

    for reference in [theirs["id"].clone(), theirs["url"].clone()] {
        let response = set_image(&app, &other, reference.clone()).await;
        let problem = response.assert_problem(422, "upload_not_attachable");
        assert_eq!(
            problem["errors"]["image"],
            json!(["is not one of your uploads"])
        );

        let response = app
            .post(
                "/articles",
                Some(&other),
                json!({"article": {"title": "Borrowed", "description": "d", "body": "b", "image": reference}}),
            )
            .await;
        response.assert_problem(422, "upload_not_attachable");
    }

    assert!(!is_public(&app, &theirs).await, "still not attached");
    let me = app.get("/user", Some(&other)).await;
    assert_eq!(me.body["user"]["image"], Value::Null);
    let articles = app
        .get(&format!("/articles?author={other_name}"), None)
        .await;
    assert_eq!(articles.body["articlesCount"], 0, "nothing was published");
}

#[tokio::test]
async fn a_deleted_or_unknown_upload_cannot_be_used() {
    let app = spawn_app().await;
    let token = app.register(&unique_username("deleter")).await;
    let gone = upload(&app, &token, 40).await;
    let deleted = app
        .delete(&format!("/uploads/{}", text(&gone["id"])), Some(&token))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    for reference in [
        gone["id"].clone(),
        gone["url"].clone(),
        json!(uuid::Uuid::now_v7().to_string()),
        json!(format!("/api/v1/files/{}.png", "0".repeat(64))),
    ] {
        let response = set_image(&app, &token, reference).await;
        response.assert_problem(422, "upload_not_attachable");
    }
}

#[tokio::test]
async fn plain_https_urls_still_work_and_anything_else_is_refused() {
    let app = spawn_app().await;
    let token = app.register(&unique_username("plain")).await;

    let https = "https://cdn.example.com/jake.png?size=2";
    let response = set_image(&app, &token, json!(https)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["image"], https);

    for refused in [
        "http://cdn.example.com/jake.png",
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "/relative.png",
        "ftp://cdn.example.com/jake.png",
    ] {
        let response = set_image(&app, &token, json!(refused)).await;
        let problem = response.assert_problem(422, "validation_failed");
        assert!(problem["errors"]["image"].is_array(), "{refused}");
    }
    let me = app.get("/user", Some(&token)).await;
    assert_eq!(me.body["user"]["image"], https, "unchanged");

    for clear in [Value::Null, json!("")] {
        let response = set_image(&app, &token, clear).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        assert_eq!(response.body["user"]["image"], Value::Null);
    }
}

#[tokio::test]
async fn an_article_attaches_its_image_and_the_authors_pictures_in_its_body() {
    let app = spawn_app().await;
    let author = app.register(&unique_username("author")).await;
    let stranger = app.register(&unique_username("stranger")).await;
    let cover = upload(&app, &author, 40).await;
    let inline = upload(&app, &author, 41).await;
    let later = upload(&app, &author, 42).await;
    let unused = upload(&app, &author, 43).await;
    let strangers = upload(&app, &stranger, 44).await;

    let response = app
        .post(
            "/articles",
            Some(&author),
            json!({"article": {
                "title": "Pictures", "description": "d",
                "body": format!("![one]({}) and ![theirs]({})", text(&inline["url"]), text(&strangers["url"])),
                "image": cover["id"],
            }}),
        )
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let slug = text(&response.body["article"]["slug"]);
    assert_eq!(response.body["article"]["image"], cover["url"]);
    assert!(is_public(&app, &cover).await);
    assert!(is_public(&app, &inline).await);
    assert!(
        !is_public(&app, &strangers).await,
        "not the author's: left alone"
    );
    assert!(!is_public(&app, &unused).await);

    // Read through the cache, then change: readers see the change at once.
    let listed = app.get("/articles", None).await;
    assert_eq!(listed.body["articles"][0]["image"], cover["url"]);
    app.get(&format!("/articles/{slug}"), None).await;
    let edited = app
        .put(
            &format!("/articles/{slug}"),
            Some(&author),
            json!({"article": {"body": format!("now ![later]({})", text(&later["url"])), "image": "https://cdn.example.com/cover.jpg"}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert!(is_public(&app, &later).await);
    let read = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(
        read.body["article"]["image"],
        "https://cdn.example.com/cover.jpg"
    );
    let listed = app.get("/articles", None).await;
    assert_eq!(
        listed.body["articles"][0]["image"],
        "https://cdn.example.com/cover.jpg"
    );

    let cleared = app
        .put(
            &format!("/articles/{slug}"),
            Some(&author),
            json!({"article": {"image": null}}),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    assert_eq!(cleared.body["article"]["image"], Value::Null);
    let read = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(read.body["article"]["image"], Value::Null);
}

#[tokio::test]
async fn an_article_without_an_image_shows_null_and_a_bad_one_is_refused() {
    let app = spawn_app().await;
    let token = app.register(&unique_username("plainauthor")).await;
    let slug = app.publish(&token, "No picture", &[]).await;
    let read = app.get(&format!("/articles/{slug}"), None).await;
    assert!(
        read.body["article"]
            .as_object()
            .unwrap()
            .contains_key("image")
    );
    assert_eq!(read.body["article"]["image"], Value::Null);

    let response = app
        .put(
            &format!("/articles/{slug}"),
            Some(&token),
            json!({"article": {"image": "http://cdn.example.com/x.png"}}),
        )
        .await;
    let problem = response.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["image"].is_array());
}
